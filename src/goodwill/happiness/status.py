"""Questions other apps ask about how people feel, answered without importing the scores.

Billing asks `is_unhappy(person)` before it sends a payment reminder into a fire, and
`unhappy_people(ids)` for a whole report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

# Before a person has a score (no recompute yet), unhappiness is read straight off the recent
# signals: their sum over the last 30 days at or below this is unhappy.
UNHAPPY_SUM = -1.5
WINDOW = dt.timedelta(days=30)


def is_unhappy(person: Any, now: dt.datetime | None = None) -> bool:
    """True when the person's happiness band is red (their cached score, else recent signals)."""
    return person.pk in unhappy_people([person.pk], now)


def unhappy_people(person_ids: Iterable[int], now: dt.datetime | None = None) -> set[int]:
    """Which of these people are unhappy, in two queries however many are asked about."""
    from django.db.models import Sum

    from goodwill.happiness.models import Band, PersonScore, Signal

    asked = set(person_ids)
    bands = dict(
        PersonScore.objects.filter(person_id__in=asked).values_list("person_id", "band")
    )
    unhappy = {pid for pid, band in bands.items() if band == Band.RED}
    unscored = asked - bands.keys()
    if unscored:
        now = now or timezone.now()
        totals = (
            Signal.objects.filter(
                person_id__in=unscored, occurred_at__gt=now - WINDOW, occurred_at__lte=now
            )
            .values("person_id")
            .annotate(total=Sum("value"))
            .filter(total__lte=UNHAPPY_SUM)
            .values_list("person_id", flat=True)
        )
        unhappy.update(totals)
    return unhappy
