"""Template helpers for how Goodwill shows money, dates, statuses and form fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.conf import settings
from django.forms import BoundField, CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select
from django.utils import timezone
from django.utils.html import format_html

from goodwill.core.dates import relative_days
from goodwill.core.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str | None = None) -> str:
    """{{ amount|money:currency }} in the reader's locale; the home currency if none given."""
    return format_money(amount, currency or settings.GOODWILL_CURRENCY)


@register.filter
def days_from_today(value: dt.date | dt.datetime | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return (value - timezone.localdate()).days


@register.filter
def relative_day(value: dt.date | dt.datetime | None) -> str:
    """'today', 'in 12 days', '3 days ago' — for dates people act on."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return relative_days(value, timezone.localdate())


@register.filter
def add_class(field: BoundField, css: str) -> str:
    return field.as_widget(attrs={"class": css})


@register.filter
def widget_kind(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, CheckboxInput):
        return "checkbox"
    if isinstance(widget, CheckboxSelectMultiple | RadioSelect):
        return "choices"
    if isinstance(widget, Select):
        return "select"
    return "input"


@register.simple_tag(takes_context=True)
def sort_link(context: template.Context, key: str, label: str, default: str = "name") -> str:
    """A column header that sorts by `key`, flipping direction when already sorted by it.

    A key written "-value" sorts descending on the first click. `default` is the sort the page
    uses when the URL names none.
    """
    request = context["request"]
    current = request.GET.get("sort", default)
    base = key.lstrip("-")
    if current == base:
        new, arrow, aria = f"-{base}", " ▲", "ascending"
    elif current == f"-{base}":
        new, arrow, aria = base, " ▼", "descending"
    else:
        new, arrow, aria = key, "", "none"
    params = request.GET.copy()
    params.pop("page", None)
    params["sort"] = new
    return format_html(
        '<a href="?{}" aria-sort="{}">{}{}</a>', params.urlencode(), aria, label, arrow
    )


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    params = context["request"].GET.copy()
    params["page"] = number
    return "?" + params.urlencode()
