"""How well goodwill.happiness.sentiment.score agrees with people, on real customer messages.

    .venv/bin/python bench/sentiment.py [path/to/Tweets.csv]

Data: the "Twitter US Airline Sentiment" tweets (CrowdFlower, CC BY-NC-SA 4.0), kept outside
the package at ../shared/data/airline-sentiment-tweets: test-only, never shipped. Each tweet
has a human label (negative / neutral / positive). Prints accuracy and macro-F1 for the
shipped thresholds, then tunes the two thresholds honestly: chosen on half the tweets (even
rows), reported on the other half (odd rows) that the choice never saw.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

LABELS = ("negative", "neutral", "positive")
DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/airline-sentiment-tweets/Tweets.csv"


def load(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["text"], row["airline_sentiment"]) for row in csv.DictReader(handle)]


def label(value: float, negative_below: float, positive_above: float) -> str:
    if value <= negative_below:
        return "negative"
    if value >= positive_above:
        return "positive"
    return "neutral"


def metrics(truth: list[str], predicted: list[str]) -> tuple[float, float, dict[str, float]]:
    accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    f1s = {}
    for name in LABELS:
        tp = sum(t == p == name for t, p in zip(truth, predicted, strict=True))
        fp = sum(p == name != t for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == name != p for t, p in zip(truth, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s[name] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return accuracy, sum(f1s.values()) / len(f1s), f1s


def report(name: str, truth: list[str], scores: list[float], neg: float, pos: float) -> None:
    accuracy, macro, f1s = metrics(truth, [label(s, neg, pos) for s in scores])
    per = ", ".join(f"{k} {v:.3f}" for k, v in f1s.items())
    print(f"{name:<44} n={len(truth):>5}  accuracy {accuracy:.3f}  macro-F1 {macro:.3f}  ({per})")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
    from goodwill.happiness import sentiment

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.exists():
        sys.exit(f"No data at {path}: pass the path to Tweets.csv")
    rows = load(path)
    started = time.perf_counter()
    scores = [sentiment.score(text) for text, _ in rows]
    seconds = time.perf_counter() - started
    truth = [gold for _, gold in rows]
    each = seconds / len(rows) * 1000
    print(f"{len(rows)} tweets scored in {seconds:.1f} s ({each:.2f} ms each)")
    print("human labels: " + ", ".join(f"{k} {truth.count(k)}" for k in LABELS))

    neg, pos = sentiment.NEGATIVE_BELOW, sentiment.POSITIVE_ABOVE
    report(f"shipped thresholds ({neg:+.2f} / {pos:+.2f}), all tweets", truth, scores, neg, pos)

    tune = [(t, s) for i, (t, s) in enumerate(zip(truth, scores, strict=True)) if i % 2 == 0]
    hold = [(t, s) for i, (t, s) in enumerate(zip(truth, scores, strict=True)) if i % 2 == 1]
    grid = [x / 100 for x in range(-60, 61, 5)]
    best = max(
        ((n, p) for n in grid for p in grid if n < p),
        key=lambda np_: metrics([t for t, _ in tune],
                                [label(s, *np_) for _, s in tune])[1],
    )
    report(f"tuned on even rows ({best[0]:+.2f} / {best[1]:+.2f}), odd rows",
           [t for t, _ in hold], [s for _, s in hold], *best)
    report("shipped thresholds, the same odd rows",
           [t for t, _ in hold], [s for _, s in hold], neg, pos)
    majority = metrics(truth, ["negative"] * len(truth))
    print(f"{'baseline: always negative':<44} n={len(truth):>5}  accuracy {majority[0]:.3f}  "
          f"macro-F1 {majority[1]:.3f}")


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
    django.setup()
    main()
