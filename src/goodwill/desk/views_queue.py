"""The staff queue and its bulk actions. Thin: the queries and the rules live in desk.queue."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from goodwill.accounts.permissions import can, staff_required
from goodwill.clients.models import Client
from goodwill.core.choices import Priority
from goodwill.desk import search
from goodwill.desk.models import Ticket, TicketStatus
from goodwill.desk.queue import (
    PAGE_SIZE,
    ROLE_FILTERS,
    STATUS_FILTERS,
    TABS,
    BulkResult,
    Cursor,
    QueueFilters,
    bulk_apply,
    parse_id,
    queue_page,
    tab_counts,
    work_staff,
)


def _options(choices: Iterable[tuple[object, str]], selected: object = None) -> str:
    """<option>s built in Python: five hundred clients through the template engine cost more
    than the whole queue query."""
    chosen = str(selected)
    return mark_safe(  # noqa: S308 (every value and label is escaped here)  # nosec B308, B703
        "".join(
            f'<option value="{escape(str(value))}"'
            f"{' selected' if str(value) == chosen else ''}>{escape(label)}</option>"
            for value, label in choices
        )
    )


def _url(params: dict[str, str]) -> str:
    base = reverse("desk:queue")
    return f"{base}?{urlencode(params)}" if params else base


@staff_required("tickets.view")
def queue(request: HttpRequest) -> HttpResponse:
    filters = QueueFilters.from_query(request.GET)
    number = search.ticket_number(filters.q)
    if number is not None:
        ticket = Ticket.objects.filter(number=number).only("pk", "number").first()
        if ticket is not None:
            url = ticket.get_absolute_url()
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    now = timezone.now()
    page = queue_page(filters, request.user, after=Cursor.decode(request.GET.get("after")), now=now)
    tabs = [
        {
            "key": tab.key,
            "label": tab.label,
            "count": tab.count,
            "display": tab.display,
            "url": _url(filters.params(tab=tab.key)),
            "active": tab.key == filters.tab,
        }
        for tab in tab_counts(request.user, now)
    ]
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "filters": filters,
        "page": page,
        "tabs": tabs,
        "tab_label": TABS[filters.tab],
        "page_size": PAGE_SIZE,
        "due_soon_minutes": settings.GOODWILL_SLA_DUE_SOON_MINUTES,
        "next_url": (
            _url({**filters.params(), "after": page.next_cursor.encode()})
            if page.next_cursor
            else ""
        ),
        "first_url": _url(filters.params()),
        "clear_url": _url(
            filters.params(q="", client=None, status="", priority="", assignee="", role="")
        ),
        "can_bulk": can(request.user, "tickets.work"),
        "oob": partial,
    }
    if partial:
        response = render(request, "desk/_queue_rows.html", context)
    else:
        staff = [(user.pk, str(user)) for user in work_staff()]
        clients = Client.objects.order_by("name").values_list("pk", "name")
        context |= {
            "client_options": _options(clients, filters.client),
            "assignee_options": _options(staff, filters.assignee),
            "bulk_assignee_options": _options(staff),
            "statuses": [(value, label) for value, (label, _) in STATUS_FILTERS.items() if value],
            "set_statuses": TicketStatus.choices,
            "priorities": Priority.choices,
            "roles": [(value, label) for value, (label, _) in ROLE_FILTERS.items()],
        }
        response = render(request, "desk/queue.html", context)
    # The same URL answers with the rows alone to htmx: caches must keep the two apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _references(tickets: list[Ticket], shown: int = 8) -> str:
    refs = [t.reference for t in tickets[:shown]]
    more = len(tickets) - shown
    return ", ".join(refs) + (f" and {more} more" if more > 0 else "")


def _report(request: HttpRequest, action: str, result: BulkResult) -> None:
    if result.done:
        what = _references(result.done)
        if action == "assign":
            assignee = result.done[0].assignee
            text = f"Assigned {what} to {assignee}." if assignee else f"Unassigned {what}."
        else:
            status = TicketStatus(result.done[0].status).label
            text = f"Set {what} to {status}."
        messages.success(request, text)
    for reference, reason in result.failed:
        if reference:
            messages.error(request, f"{reference} was not changed: {reason}")
        else:
            messages.error(request, f"Nothing was changed: {reason}")


@staff_required("tickets.work")
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("desk:queue")
    ids = [pk for pk in (parse_id(v) for v in request.POST.getlist("ticket")) if pk]
    action = request.POST.get("action", "")
    if not ids:
        messages.warning(request, "Tick the tickets to change first.")
        return redirect(target)
    value = request.POST.get("assignee" if action == "assign" else "status", "")
    _report(request, action, bulk_apply(ids, action, value, by_user=request.user))
    return redirect(target)
