"""Questions other apps ask about how people feel, answered without importing the scores.

Billing asks `is_unhappy(person)` before it sends a payment reminder into a fire.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

# Before a person has a score (no recompute yet), unhappiness is read straight off the recent
# signals: their sum over the last 30 days at or below this is unhappy.
UNHAPPY_SUM = -1.5
WINDOW = dt.timedelta(days=30)


def is_unhappy(person: Any, now: dt.datetime | None = None) -> bool:
    """True when the person's happiness band is red (their cached score, else recent signals)."""
    from django.db.models import Sum

    from goodwill.happiness.models import Band, PersonScore, Signal

    band = PersonScore.objects.filter(person_id=person.pk).values_list("band", flat=True).first()
    if band is not None:
        return band == Band.RED
    now = now or timezone.now()
    total = Signal.objects.filter(
        person=person, occurred_at__gt=now - WINDOW, occurred_at__lte=now
    ).aggregate(total=Sum("value"))["total"]
    return total is not None and total <= UNHAPPY_SUM
