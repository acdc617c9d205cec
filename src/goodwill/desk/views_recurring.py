"""Preventive-maintenance schedules, and the contract-hours fragment of the contract page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from goodwill.accounts.permissions import staff_required
from goodwill.clients.models import Client
from goodwill.contracts.models import Contract
from goodwill.contracts.services import period_label
from goodwill.desk import hours
from goodwill.desk.forms_recurring import RecurringTicketForm
from goodwill.desk.models import Frequency, RecurringTicket, Ticket

PAGE_SIZE = 50
# A schedule this late means no worker is raising tickets: the list says so.
WORKER_LATE = dt.timedelta(minutes=10)
RECENT_PERIODS = 6


def _client_param(request: HttpRequest) -> Client | None:
    value = request.GET.get("client", "")
    return Client.objects.filter(pk=value).first() if value.isdigit() else None


@staff_required("tickets.view")
def recurring_list(request: HttpRequest) -> HttpResponse:
    client = _client_param(request)
    frequency = request.GET.get("frequency", "")
    latest = Ticket.objects.filter(recurring=OuterRef("pk")).order_by("-recurring_due_at", "-pk")
    schedules = (
        RecurringTicket.objects.select_related("client", "requester", "assignee")
        .annotate(
            raised=Count("tickets"),
            last_due_at=Max("tickets__recurring_due_at"),
            last_number=Subquery(latest.values("number")[:1]),
        )
        .order_by("-active", "next_due_at", "pk")
    )
    if client is not None:
        schedules = schedules.filter(client=client)
    if frequency in Frequency.values:
        schedules = schedules.filter(frequency=frequency)
    now = timezone.now()
    late = RecurringTicket.objects.filter(active=True, next_due_at__lt=now - WORKER_LATE).count()
    return render(
        request,
        "desk/recurring_list.html",
        {
            "page": Paginator(schedules, PAGE_SIZE).get_page(request.GET.get("page")),
            "clients": Client.objects.filter(recurring_tickets__isnull=False)
            .distinct()
            .order_by("name"),
            "client": client,
            "frequencies": Frequency.choices,
            "frequency": frequency if frequency in Frequency.values else "",
            "filtered": client is not None or frequency in Frequency.values,
            "late": late,
            "now": now,
        },
    )


@staff_required("tickets.work")
def recurring_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    schedule = (
        get_object_or_404(RecurringTicket.objects.select_related("client"), pk=pk)
        if pk
        else RecurringTicket()
    )
    if request.method == "POST":
        form = RecurringTicketForm(request.POST, instance=schedule)
        if form.is_valid():
            schedule = form.save()
            messages.success(request, f"Schedule “{schedule.subject}” saved.")
            return redirect("desk:recurring")
    else:
        form = RecurringTicketForm(instance=schedule, client=_client_param(request))
    recent = schedule.tickets.order_by("-recurring_due_at", "-pk")[:10] if schedule.pk else []
    return render(
        request, "desk/recurring_form.html", {"schedule": schedule, "form": form, "recent": recent}
    )


@staff_required("contracts.view")
def contract_hours(request: HttpRequest, contract_pk: int) -> HttpResponse:
    """Hours used against included for the current period, and the last few periods.

    The contract page loads this with htmx (the contracts app does not import the desk);
    opened directly, it is a page of its own.
    """
    contract = get_object_or_404(Contract.objects.select_related("client"), pk=contract_pk)
    periods = hours.recent_hours(contract, RECENT_PERIODS)
    context = {
        "contract": contract,
        "current": periods[0],
        "periods": periods,
        "period": period_label(contract.billing_cycle),
        "amber_percent": hours.AMBER_PERCENT,
        "today": timezone.localdate(),
    }
    template = "desk/_contract_hours.html" if request.htmx else "desk/contract_hours.html"
    return render(request, template, context)
