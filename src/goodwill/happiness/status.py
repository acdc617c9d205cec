"""Questions other apps ask about how people feel, answered without importing the scores.

Billing asks `is_unhappy(person)` before it sends a payment reminder into a fire.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

# Until person scores exist, unhappiness is read straight off the recent signals: their sum over
# the last 30 days at or below this is unhappy (three SLA breaches, or one 1/5 rating and an
# angry message). The happiness engine replaces the body of is_unhappy with its bands.
UNHAPPY_SUM = -1.5
WINDOW = dt.timedelta(days=30)


def is_unhappy(person: Any, now: dt.datetime | None = None) -> bool:
    from django.db.models import Sum

    from goodwill.happiness.models import Signal

    now = now or timezone.now()
    total = Signal.objects.filter(
        person=person, occurred_at__gt=now - WINDOW, occurred_at__lte=now
    ).aggregate(total=Sum("value"))["total"]
    return total is not None and total <= UNHAPPY_SUM
