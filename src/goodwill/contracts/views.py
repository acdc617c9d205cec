"""Contract, SLA policy and business-hours pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from goodwill.accounts.permissions import can, not_allowed, roles_with, staff_required
from goodwill.clients.models import Client
from goodwill.contracts import services
from goodwill.contracts.forms import (
    CalendarForm,
    ContractForm,
    SLAPolicyForm,
    closures_formset,
    country_options,
    hours_formset,
    sla_targets_formset,
)
from goodwill.contracts.models import (
    BusinessCalendar,
    Contract,
    ContractStatus,
    SLAPolicy,
    SLATarget,
)
from goodwill.core.choices import Priority

PAGE_SIZE = 25

# ---------------------------------------------------------------------------------------------
# Contracts


@staff_required("contracts.view")
def contract_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "renewal")
    if sort not in services.CONTRACT_SORTS:
        sort = "renewal"
    found = services.search_contracts(status=status, query=query, sort=sort)
    page = Paginator(found.contracts, PAGE_SIZE).get_page(request.GET.get("page"))
    chips = [
        {"status": value, "label": label, "count": found.counts[value]}
        for value, label in ContractStatus.choices
    ]
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page": page,
            "chips": chips,
            "total": found.total,
            "status": status if status in ContractStatus.values else "",
            "query": query,
            "sort": sort,
            "today": timezone.localdate(),
        },
    )


def _contract_form_page(
    request: HttpRequest, contract: Contract, form: ContractForm
) -> HttpResponse:
    return render(
        request,
        "contracts/contract_form.html",
        {
            "contract": contract,
            "form": form,
            "explanation": services.explain_status(contract) if contract.pk else None,
        },
    )


def _client_from_query(request: HttpRequest) -> Client | None:
    client_id = request.GET.get("client", "")
    if client_id.isdigit():
        return Client.objects.filter(pk=int(client_id)).first()
    return None


@staff_required("contracts.edit")
def contract_create(request: HttpRequest) -> HttpResponse:
    contract = Contract()
    if request.method == "POST":
        form = ContractForm(request.POST, instance=contract)
        if form.is_valid():
            contract = services.save_contract(
                form.save(commit=False), sites=form.cleaned_data["sites"]
            )
            messages.success(request, f"Contract for {contract.client} saved.")
            return redirect(contract)
    else:
        form = ContractForm(instance=contract, client=_client_from_query(request))
    return _contract_form_page(request, contract, form)


@staff_required("contracts.edit")
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(Contract.objects.select_related("client"), pk=pk)
    if request.method == "POST":
        form = ContractForm(request.POST, instance=contract)
        if form.is_valid():
            contract = services.save_contract(
                form.save(commit=False), sites=form.cleaned_data["sites"]
            )
            messages.success(request, "Contract saved.")
            return redirect(contract)
    else:
        form = ContractForm(instance=contract, client=_client_from_query(request))
    return _contract_form_page(request, contract, form)


@staff_required("contracts.view")
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(
        Contract.objects.select_related("client", "sla_policy__calendar").prefetch_related(
            "sites", "sla_policy__targets"
        ),
        pk=pk,
    )
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "explanation": services.explain_status(contract),
            "period": services.period_label(contract.billing_cycle),
            "targets": _target_rows(contract.sla_policy.targets.all())
            if contract.sla_policy
            else [],
            "today": timezone.localdate(),
        },
    )


# ---------------------------------------------------------------------------------------------
# SLA policies


def _target_rows(targets: list[SLATarget]) -> list[dict[str, object]]:
    by_priority = {t.priority: t for t in targets}
    rows = []
    for value, label in Priority.choices:
        target = by_priority.get(value)
        rows.append({"priority": value, "label": label, "target": target})
    return rows


@staff_required("sla.view")
def sla_policy_list(request: HttpRequest) -> HttpResponse:
    policies = (
        SLAPolicy.objects.select_related("calendar")
        .prefetch_related(Prefetch("targets", queryset=SLATarget.objects.order_by("priority")))
        .annotate(contract_count=Count("contracts"))
    )
    rows = [{"policy": p, "targets": _target_rows(p.targets.all())} for p in policies]
    return render(
        request,
        "contracts/sla_policy_list.html",
        {"rows": rows, "priorities": Priority.choices},
    )


@staff_required("sla.view")
def sla_policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a policy with its four targets; people without sla.edit see it read-only."""
    editable = can(request.user, "sla.edit")
    if (pk is None or request.method == "POST") and not editable:
        return not_allowed(request, "sla.edit")
    policy = get_object_or_404(SLAPolicy, pk=pk) if pk else SLAPolicy()
    if request.method == "POST":
        form = SLAPolicyForm(request.POST, instance=policy)
        targets = sla_targets_formset(policy, request.POST)
        if form.is_valid() and targets.is_valid():
            policy = services.save_sla_policy(form, targets)
            messages.success(request, f"SLA policy “{policy}” saved.")
            return redirect("contracts:sla_policies")
    else:
        form = SLAPolicyForm(instance=policy)
        targets = sla_targets_formset(policy)
    return render(
        request,
        "contracts/sla_policy_form.html",
        {
            "policy": policy,
            "form": form,
            "targets": targets,
            "editable": editable,
            "editors": " or ".join(roles_with("sla.edit")),
            "target_rows": _target_rows(policy.targets.all()) if policy.pk else [],
            "contracts": policy.contracts.select_related("client")[:50] if policy.pk else [],
        },
    )


# ---------------------------------------------------------------------------------------------
# Business-hours calendars


@staff_required("sla.view")
def calendar_list(request: HttpRequest) -> HttpResponse:
    calendars = BusinessCalendar.objects.prefetch_related("hours").annotate(
        policy_count=Count("policies", distinct=True),
        closure_count=Count("closures", distinct=True),
    )
    return render(request, "contracts/calendar_list.html", {"calendars": calendars})


@staff_required("sla.view")
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a calendar; people without sla.edit see it read-only."""
    editable = can(request.user, "sla.edit")
    if (pk is None or request.method == "POST") and not editable:
        return not_allowed(request, "sla.edit")
    calendar = get_object_or_404(BusinessCalendar, pk=pk) if pk else BusinessCalendar()
    if request.method == "POST":
        form = CalendarForm(request.POST, instance=calendar)
        hours = hours_formset(calendar, request.POST)
        closures = closures_formset(calendar, request.POST)
        if all([form.is_valid(), hours.is_valid(), closures.is_valid()]):
            calendar = services.save_calendar(form, hours, closures)
            messages.success(request, f"Business hours “{calendar}” saved.")
            return redirect(calendar)
        if calendar.pk:
            # A failed clean may have upper-cased the fields; show the stored calendar's preview.
            calendar.refresh_from_db()
    else:
        form = CalendarForm(instance=calendar)
        hours = hours_formset(calendar)
        closures = closures_formset(calendar)
    return render(
        request,
        "contracts/calendar_form.html",
        {
            "calendar": calendar,
            "form": form,
            "hours": hours,
            "closures": closures,
            "editable": editable,
            "editors": " or ".join(roles_with("sla.edit")),
            "days_off": services.days_off_preview(calendar),
            "countries": country_options(),
        },
    )
