"""How contracts show their status and business-time durations."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from goodwill.contracts.models import ContractStatus
from goodwill.contracts.services import format_minutes

register = template.Library()


@register.filter
def minutes(value: int | None) -> str:
    return format_minutes(value)


@register.simple_tag
def status_badge(status: str | None) -> str:
    """The coloured badge of a derived contract status ("No contract" when there is none)."""
    if not status:
        return mark_safe('<span class="gw-status none">No contract</span>')  # noqa: S308  # a constant string  # nosec B308
    label = ContractStatus(status).label if status in ContractStatus.values else status
    return format_html('<span class="gw-status {}">{}</span>', status, label)
