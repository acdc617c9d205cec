"""Happiness pages: the portfolio, client health by band, the radar, next actions, the
playbook, and the public survey page. Thin: rules live in playbook.py, surveys.py, scores.py."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from goodwill.accounts.permissions import staff_required
from goodwill.clients import services as client_services
from goodwill.clients.models import Person, RoleSource, StakeholderRole
from goodwill.happiness import playbook, queries, scores, surveys
from goodwill.happiness.models import (
    Band,
    CadenceRule,
    ClientScore,
    NextAction,
    SurveyKind,
)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@staff_required("happiness.view")
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "happiness/index.html",
        {
            "portfolio": queries.portfolio(),
            "at_risk": queries.at_risk(),
            "renewals": queries.renewals_with_health(today),
            "actions": playbook.actions_for(request.user),
            "radar": queries.radar_findings(),
        },
    )


@staff_required("happiness.view")
def client_health(request: HttpRequest) -> HttpResponse:
    band = request.GET.get("band", "")
    rows = ClientScore.objects.filter(client__is_active=True).select_related(
        "client", "client__account_manager"
    )
    if band in Band.values:
        rows = rows.filter(band=band)
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(Q(client__name__icontains=q))
    return render(
        request,
        "happiness/clients.html",
        {"rows": rows.order_by("health", "client__name")[:500], "band": band, "q": q,
         "bands": Band.choices},
    )


@require_POST
@staff_required("happiness.act")
def radar_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    client_services.assign_role(
        person, StakeholderRole.COMPLAINER, by=request.user, source=RoleSource.DETECTED
    )
    scores.refresh_client(person.client_id)
    messages.success(request, f"{person} is marked as the complainer at {person.client}.")
    return _back(request, person.get_absolute_url())


@require_POST
@staff_required("happiness.act")
def radar_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    # Dismissing keeps a dismissed detected role, so the radar stays quiet about them.
    client_services.assign_role(
        person, StakeholderRole.COMPLAINER, by=request.user, source=RoleSource.DETECTED
    )
    client_services.remove_role(person, StakeholderRole.COMPLAINER, by=request.user)
    scores.refresh_client(person.client_id)
    messages.success(request, f"Dismissed: the radar will not suggest {person} again.")
    return _back(request, person.get_absolute_url())


@require_POST
@staff_required("happiness.act")
def action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    item = get_object_or_404(NextAction.objects.select_related("person"), pk=pk)
    if verb == "done":
        playbook.mark_done(item, by=request.user)
        messages.success(request, f"Done: {item.title}")
    elif verb == "snooze":
        playbook.snooze(item, days=3)
        messages.success(request, "Snoozed for 3 days.")
    elif verb == "dismiss":
        playbook.dismiss(item, by=request.user)
        messages.success(request, "Dismissed.")
    else:
        return HttpResponse("Unknown action.", status=400)
    return _back(request, "/happiness/")


@staff_required("happiness.view")
def playbook_page(request: HttpRequest) -> HttpResponse:
    from goodwill.accounts.permissions import can

    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can(request.user, "happiness.act"):
            from goodwill.accounts.permissions import not_allowed

            return not_allowed(request, "happiness.act")
        for role in StakeholderRole.values:
            rule = request.POST.get(f"{role}-rule", "")
            days_text = request.POST.get(f"{role}-days", "0").strip() or "0"
            if rule not in CadenceRule.values:
                continue
            if not days_text.isdigit():
                errors[role] = "Enter a whole number of days."
                continue
            try:
                playbook.save_cadence(role, rule, int(days_text))
            except ValueError as exc:
                errors[role] = str(exc)
        if not errors:
            messages.success(request, "Playbook saved. Next actions follow it from the next run.")
            return redirect("happiness:playbook")
    current = playbook.cadences()
    rows = [
        {"role": role, "label": label, "rule": current[role][0], "days": current[role][1],
         "error": errors.get(role, "")}
        for role, label in StakeholderRole.choices
    ]
    return render(request, "happiness/playbook.html",
                  {"rows": rows, "rules": CadenceRule.choices})


@require_POST
@staff_required("happiness.act")
def recompute(request: HttpRequest) -> HttpResponse:
    result = scores.recompute_all()
    playbook.generate()
    messages.success(request, f"Recomputed: {result}.")
    return redirect("happiness:index")


# --- Public: the survey page (no login; a signed token in the link) ------------------------------


@never_cache
def survey(request: HttpRequest, token: str) -> HttpResponse:
    request_ = surveys.survey_from_token(token)
    if request_ is None:
        return render(request, "happiness/survey_invalid.html", status=404)
    choices = surveys.ratings(request_)
    error = ""
    chosen = request.GET.get("r", "")
    if request.method == "POST":
        chosen = request.POST.get("rating", "")
        if chosen.isdigit() and int(chosen) in choices:
            surveys.answer(request_, int(chosen), request.POST.get("comment", ""))
            return render(request, "happiness/survey_done.html", {"survey": request_})
        error = f"Choose a rating from {choices[0]} to {choices[-1]}."
    return render(
        request,
        "happiness/survey.html",
        {
            "survey": request_,
            "choices": choices,
            "chosen": int(chosen) if chosen.isdigit() else request_.rating,
            "error": error,
            "is_nps": request_.kind == SurveyKind.NPS,
        },
        status=400 if error else 200,
    )
