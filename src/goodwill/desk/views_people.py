"""Tickets as seen from a client or a person: fragments the clients pages load with htmx.

The clients app sits below the desk and must not import it, so its pages ask the desk for these
pieces by URL instead.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from goodwill.accounts.permissions import staff_required
from goodwill.clients.models import Client, Person
from goodwill.desk.models import Ticket, open_only
from goodwill.desk.queue import why

LIMIT = 10


def _rows(tickets: list[Ticket]) -> list[dict[str, object]]:
    now = timezone.now()
    return [{"ticket": t, "why": why(t, now)} for t in tickets]


@staff_required("tickets.view")
def client_tickets(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=client_pk)
    open_tickets = Ticket.objects.filter(open_only(), client=client)
    shown = list(
        open_tickets.select_related("requester", "assignee").order_by("queue_key", "id")[:LIMIT]
    )
    return render(
        request,
        "desk/_client_tickets.html",
        {"client": client, "rows": _rows(shown), "open_count": open_tickets.count()},
    )


@staff_required("tickets.view")
def person_tickets(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_pk)
    tickets = Ticket.objects.filter(requester=person)
    since = timezone.now() - dt.timedelta(days=30)
    recent = list(tickets.select_related("assignee").order_by("-opened_at")[:LIMIT])
    return render(
        request,
        "desk/_person_tickets.html",
        {
            "person": person,
            "rows": _rows(recent),
            "total": tickets.count(),
            "last_30_days": tickets.filter(opened_at__gte=since).count(),
            "open_count": tickets.filter(open_only()).count(),
        },
    )
