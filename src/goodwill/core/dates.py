"""Dates as people say them."""

from __future__ import annotations

import datetime as dt


def relative_days(day: dt.date, today: dt.date) -> str:
    """'today', 'tomorrow', 'in 12 days', '3 days ago'."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"in {delta} days" if delta > 0 else f"{-delta} days ago"
