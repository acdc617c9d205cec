"""Happiness settings with their defaults (settings.py's GOODWILL_HAPPINESS_* block sets them
from the environment; these defaults keep the app working where that block is absent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "ROLE_WEIGHTS": {
        "decision_maker": 5, "gatekeeper": 3, "billing": 2, "complainer": 1, "others": 2,
    },
    "CADENCE_DAYS": {"decision_maker": 90, "gatekeeper": 30},
    "CSAT_SCALE": 5,
    "CSAT_EVERY_DAYS": 7,
    "CSAT_DELAY_MINUTES": 60,
}


def get(name: str) -> Any:
    if name == "BASE_URL":
        return getattr(settings, "GOODWILL_HAPPINESS_BASE_URL", None) or getattr(
            settings, "GOODWILL_PORTAL_BASE_URL", "http://127.0.0.1:8000"
        )
    return getattr(settings, f"GOODWILL_HAPPINESS_{name}", DEFAULTS[name])
