"""Filters for the ticket page: relative times with the absolute one on hover, sizes, minutes."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from goodwill.desk.ticket_page import duration_text, minutes_text, size_text

register = template.Library()


def relative(value: dt.datetime, now: dt.datetime | None = None) -> str:
    """'just now', '35 min ago', '2 h ago', 'yesterday 14:05', '3 Mar 09:12', '3 Mar 2024'."""
    now = now or timezone.now()
    seconds = (now - value).total_seconds()
    if seconds < -60:
        return f"in {duration_text(-seconds)}"
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 12 * 3600:
        return f"{int(seconds // 3600)} h ago"
    local, today = timezone.localtime(value), timezone.localdate(now)
    if local.date() == today:
        return f"today {local:%H:%M}"
    if local.date() == today - dt.timedelta(days=1):
        return f"yesterday {local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y}"


@register.filter
def ago(value: dt.datetime | None) -> SafeString | str:
    """A <time> saying how long ago, with the exact moment on hover."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        date_format(local, "l j F Y, H:i"),
        relative(value),
    )


@register.filter
def exact(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return date_format(timezone.localtime(value), "D j M, H:i")


@register.filter
def filesize(value: int | None) -> str:
    return size_text(value or 0)


@register.filter
def minutes(value: int | None) -> str:
    return minutes_text(value)
