"""How the contracts pages show money, statuses and business-time durations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

from goodwill.contracts.models import ContractStatus
from goodwill.contracts.services import format_minutes, relative_days
from goodwill.core.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency)


@register.filter
def minutes(value: int | None) -> str:
    return format_minutes(value)


@register.filter
def from_today(day: dt.date | None) -> str:
    """'in 20 days', '3 days ago', 'today'."""
    if day is None:
        return ""
    return relative_days(day, timezone.localdate())


@register.simple_tag
def contract_status_badge(status: str) -> str:
    label = ContractStatus(status).label if status in ContractStatus.values else status
    return format_html('<span class="gw-status {}">{}</span>', status, label)
