"""Client and person pages. Thin: queries live in queries.py, changes in services.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from goodwill.accounts.models import User
from goodwill.accounts.permissions import can, staff_required
from goodwill.clients import services
from goodwill.clients.forms import ClientForm, PersonForm, SiteForm
from goodwill.clients.models import Client, Person, StakeholderRole
from goodwill.clients.queries import client_overview
from goodwill.contracts.models import ContractStatus
from goodwill.contracts.status import with_status

PAGE_SIZE = 25

# Sort keys people can ask for, mapped to ORM orderings (an allow-list: never raw input).
SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "mrr": ("mrr", "name"),
    "-mrr": ("-mrr", "name"),
    "renewal": ("renewal_date", "name"),
    "-renewal": ("-renewal_date", "name"),
    "people": ("people_count", "name"),
    "-people": ("-people_count", "name"),
    "status": ("contract_status", "name"),
    "-status": ("-contract_status", "name"),
    # Worst health first is what people look for; unscored clients go last either way.
    "health": (F("health_score").asc(nulls_last=True), "name"),
    "-health": (F("health_score").desc(nulls_last=True), "name"),
}
GAPS = {
    "no_boss": ("No boss recorded", Q(has_boss=False)),
    "no_billing": ("No billing contact", Q(has_billing=False)),
}


@staff_required("clients.view")
def client_list(request: HttpRequest) -> HttpResponse:
    clients = client_overview()
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    manager = request.GET.get("manager", "")
    gap = request.GET.get("gap", "")
    sort = request.GET.get("sort", "name")
    if q:
        clients = clients.filter(
            Q(name__icontains=q) | Q(email_domains__icontains=q) | Q(people__email__iexact=q)
        ).distinct()
    if status == "none":
        clients = clients.filter(contract_status__isnull=True)
    elif status in ContractStatus.values:
        clients = clients.filter(contract_status=status)
    if manager.isdigit():
        clients = clients.filter(account_manager_id=int(manager))
    if gap in GAPS:
        clients = clients.filter(GAPS[gap][1])
    clients = clients.order_by(*SORTS.get(sort, SORTS["name"]))
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "status": status,
        "manager": manager,
        "gap": gap,
        "sort": sort,
        "statuses": ContractStatus.choices,
        "managers": User.objects.filter(managed_clients__isnull=False).distinct(),
        "gaps": [(key, label) for key, (label, _) in GAPS.items()],
        "filtered": bool(q or status or manager or gap),
    }
    template = "clients/_client_rows.html" if request.htmx else "clients/client_list.html"
    return render(request, template, context)


@staff_required("clients.view")
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.select_related("account_manager"), pk=pk)
    slots, everyone_else = services.stakeholder_map(client)
    contracts = with_status(client.contracts.select_related("sla_policy")).order_by("-start_date")
    overview = client_overview().get(pk=client.pk)
    return render(
        request,
        "clients/client_detail.html",
        {
            "client": client,
            "overview": overview,
            "slots": slots,
            "everyone_else": everyone_else,
            "sites": client.sites.all(),
            "contracts": contracts,
            "inactive_count": client.people.filter(is_active=False).count(),
        },
    )


@staff_required("clients.edit")
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = form.save()
        messages.success(request, f"{client} added. Now add the people who matter.")
        return redirect(client)
    return render(request, "clients/client_form.html", {"form": form})


@staff_required("clients.edit")
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=pk)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Client saved.")
        return redirect(client)
    return render(request, "clients/client_form.html", {"form": form, "client": client})


@staff_required("clients.edit")
def site_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=pk)
    form = SiteForm(request.POST or None, instance=None)
    if request.method == "POST":
        form.instance.client = client
        if form.is_valid():
            form.save()
            messages.success(request, f"Site {form.instance} added.")
            return redirect(client)
    return render(request, "clients/site_form.html", {"form": form, "client": client})


@staff_required("people.edit")
def person_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=pk)
    initial_role = request.GET.get("role")
    form = PersonForm(
        request.POST or None,
        instance=Person(client=client),
        client=client,
        can_edit_roles=can(request.user, "roles.edit"),
        initial={"roles": [initial_role] if initial_role in StakeholderRole.values else []},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            person = form.save()
            if "roles" in form.cleaned_data:
                services.set_roles(person, set(form.cleaned_data["roles"]), by=request.user)
        messages.success(request, f"{person} added to {client}.")
        return redirect(client)
    return render(request, "clients/person_form.html", {"form": form, "client": client})


@staff_required("clients.view")
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        Person.objects.select_related("client", "site").prefetch_related("roles__assigned_by"),
        pk=pk,
    )
    return render(request, "clients/person_detail.html", _person_context(person))


def _person_context(person: Person) -> dict[str, object]:
    active = {r.role: r for r in person.roles.all() if r.dismissed_at is None}
    dismissed = [r for r in person.roles.all() if r.dismissed_at is not None]
    return {
        "person": person,
        "client": person.client,
        "active_roles": [active[r] for r in StakeholderRole.values if r in active],
        "available_roles": [(v, label) for v, label in StakeholderRole.choices if v not in active],
        "dismissed_roles": dismissed,
    }


@staff_required("people.edit")
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("client"), pk=pk)
    form = PersonForm(
        request.POST or None,
        instance=person,
        client=person.client,
        can_edit_roles=can(request.user, "roles.edit"),
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            if "roles" in form.cleaned_data:
                services.set_roles(person, set(form.cleaned_data["roles"]), by=request.user)
        messages.success(request, f"{person} saved.")
        return redirect(person)
    return render(
        request,
        "clients/person_form.html",
        {"form": form, "client": person.client, "person": person},
    )


@require_POST
@staff_required("roles.edit")
def person_roles(request: HttpRequest, pk: int) -> HttpResponse:
    """Add, remove or confirm one stakeholder role; answers htmx with the roles panel."""
    person = get_object_or_404(Person.objects.select_related("client"), pk=pk)
    role = request.POST.get("role", "")
    action = request.POST.get("action", "")
    if role not in StakeholderRole.values or action not in ("add", "remove"):
        return HttpResponse("Unknown role or action.", status=400)
    if action == "add":
        services.assign_role(person, role, by=request.user)
    else:
        services.remove_role(person, role, by=request.user)
    if request.htmx:
        person = Person.objects.prefetch_related("roles__assigned_by").get(pk=person.pk)
        return render(request, "clients/_person_roles.html", _person_context(person))
    messages.success(request, "Roles updated.")
    return redirect(request.POST.get("next") if _safe_next(request) else person.get_absolute_url())


@require_POST
@staff_required("people.edit")
def person_contacted(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    services.log_call(person, by=request.user)
    messages.success(request, f"Noted: you were in touch with {person} today.")
    return redirect(request.POST.get("next") if _safe_next(request) else person.get_absolute_url())


def _safe_next(request: HttpRequest) -> bool:
    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
