"""The outbox for staff: what Goodwill sent, what waits, what failed and why; retry or cancel."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.accounts.permissions import staff_required
from goodwill.core import outbox
from goodwill.core.models import OutboundMessage, OutboundStatus

PAGE_SIZE = 50
FILTERS = (
    ("", "All"),
    (OutboundStatus.FAILED, "Failed"),
    (OutboundStatus.QUEUED, "Queued"),
    (OutboundStatus.SENT, "Sent"),
    (OutboundStatus.CANCELLED, "Cancelled"),
)


def _url_or_none(name: str) -> str | None:
    # The incoming-mail pages are built alongside; link them once they exist.
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _problems_first(queryset):
    # Failures first, then messages waiting for a retry, then the rest, newest first.
    rank = Case(
        When(status=OutboundStatus.FAILED, then=Value(0)),
        When(status=OutboundStatus.QUEUED, attempts__gt=0, then=Value(1)),
        When(status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING], then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return queryset.annotate(rank=rank).order_by("rank", "-created_at", "-id")


@staff_required("mail.view")
def outbox_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in dict(FILTERS):
        status = ""
    q = request.GET.get("q", "").strip()[:100]
    rows = OutboundMessage.objects.defer("text_body", "html_body")
    if status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(
            Q(recipient__icontains=q) | Q(subject__icontains=q) | Q(context__icontains=q)
        )
    counts = dict(OutboundMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
    page = Paginator(_problems_first(rows), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.others = len(row.to) + len(row.cc) - 1
    tabs = [
        {
            "value": value,
            "label": label,
            "count": sum(counts.values()) if not value else counts.get(value, 0),
            "current": value == status,
        }
        for value, label in FILTERS
    ]
    return render(
        request,
        "mail/outbox_list.html",
        {
            "page": page,
            "tabs": tabs,
            "status": status,
            "q": q,
            "filtered": bool(status or q),
            "failed": counts.get(OutboundStatus.FAILED, 0),
            "now": timezone.now(),
            "inbox_url": _url_or_none("mail:index"),
        },
    )


@staff_required("mail.view")
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(OutboundMessage.objects.prefetch_related("attachments"), pk=pk)
    headers = [
        ("From", row.from_email),
        ("To", ", ".join(row.to)),
        ("Cc", ", ".join(row.cc)),
        ("Reply-To", row.reply_to),
        ("Subject", row.subject),
        ("Message-ID", row.message_id),
        *sorted(row.headers.items()),
    ]
    if row.automatic and "Auto-Submitted" not in row.headers:
        headers.append(("Auto-Submitted", "auto-generated (added when sent)"))
    return render(
        request,
        "mail/outbox_detail.html",
        {
            "row": row,
            "holds_credential": row.kind in outbox.CREDENTIAL_KINDS,
            "headers": [(name, value) for name, value in headers if value],
            "can_retry": row.status == OutboundStatus.FAILED
            or (row.status == OutboundStatus.QUEUED and row.next_attempt_at > timezone.now()),
            "can_cancel": row.status in (OutboundStatus.QUEUED, OutboundStatus.FAILED),
        },
    )


def send_now(row: OutboundMessage) -> bool:
    """Failed: queue it again from scratch. Waiting for a retry: try at the next tick."""
    if row.status == OutboundStatus.FAILED:
        return outbox.retry(row)
    return bool(
        OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.QUEUED).update(
            next_attempt_at=timezone.now()
        )
    )


@require_POST
@staff_required("mail.manage")
def outbox_retry(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(OutboundMessage, pk=pk)
    if send_now(row):
        messages.success(request, "Queued: the worker sends it within a minute.")
    else:
        messages.error(request, f"Not retried: the message is {row.get_status_display().lower()}.")
    return redirect("mail:outbox_message", pk=row.pk)


@require_POST
@staff_required("mail.manage")
def outbox_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(OutboundMessage, pk=pk)
    if outbox.cancel(row):
        messages.success(request, "Cancelled: it will not be sent.")
    else:
        messages.error(
            request, f"Not cancelled: the message is {row.get_status_display().lower()}."
        )
    return redirect("mail:outbox_message", pk=row.pk)
