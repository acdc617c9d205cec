"""Billing template helpers: dates in the reader's locale, status badges, the client panel."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from django import template
from django.utils import timezone
from django.utils.html import format_html

from goodwill.core.money import babel_locale

register = template.Library()

STATUS_CLASS = {
    "draft": "text-bg-light border",
    "issued": "text-bg-primary",
    "part_paid": "text-bg-info",
    "paid": "text-bg-success",
    "void": "text-bg-secondary",
}


@register.filter
def bdate(value: dt.date | dt.datetime | None, style: str = "medium") -> str:
    """A date in the reader's locale via Babel: '7 Mar 2026', '7 mars 2026'."""
    if not value:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    try:
        return format_date(value, style, locale=babel_locale())
    except Exception:
        return format_date(value, style, locale="en_GB")


@register.simple_tag
def invoice_badge(invoice) -> str:
    html = format_html(
        '<span class="badge {}">{}</span>',
        STATUS_CLASS.get(invoice.status, "text-bg-light"),
        invoice.get_status_display(),
    )
    if invoice.disputed:
        html += format_html(' <span class="badge text-bg-warning">{}</span>', "Disputed")
    today = timezone.localdate()
    if invoice.is_open and invoice.due_date and invoice.due_date < today and invoice.balance > 0:
        days = (today - invoice.due_date).days
        html += format_html(' <span class="badge text-bg-danger">{} days overdue</span>', days)
    return html


@register.inclusion_tag("billing/_client_panel_body.html", takes_context=True)
def billing_panel(context, client) -> dict:
    from goodwill.accounts.permissions import can
    from goodwill.billing import services
    from goodwill.billing.models import BillingTask

    user = context["request"].user
    if not can(user, "billing.view"):
        return {"visible": False}
    today = timezone.localdate()
    overdue = services.overdue_invoices(today).filter(client=client)
    return {
        "visible": True,
        "client": client,
        "balance": services.client_balance(client),
        "overdue": list(overdue.order_by("due_date")[:5]),
        "overdue_count": overdue.count(),
        "recipient": services.billing_recipient(client),
        "tasks": BillingTask.objects.filter(client=client, done_at__isnull=True)[:3],
        "today": today,
    }
