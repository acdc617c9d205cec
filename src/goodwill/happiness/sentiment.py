"""How a piece of text feels, -1 (angry) … +1 (delighted): one function, so the scorer can be
replaced (another model, another language) without touching anything that calls it.

VADER (a lexicon and rules tuned on social-media text) scores English only; the thresholds
that split negative / neutral / positive were chosen on the airline tweets in
bench/sentiment.py (see its output in bench/README.md).
"""

from __future__ import annotations

import functools

# |compound| below this is neutral. VADER's authors suggest 0.05; bench/sentiment.py measures
# the choice against human labels.
NEGATIVE_BELOW = -0.05
POSITIVE_ABOVE = 0.05
MAX_CHARS = 4000  # a pasted log says nothing about mood, and VADER is linear in length


@functools.cache
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@functools.lru_cache(maxsize=50_000)
def score(text: str) -> float:
    """The compound sentiment of `text`, -1 … +1 (0 for empty text)."""
    text = (text or "").strip()[:MAX_CHARS]
    if not text:
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


def label(value: float) -> str:
    if value <= NEGATIVE_BELOW:
        return "negative"
    if value >= POSITIVE_ABOVE:
        return "positive"
    return "neutral"
