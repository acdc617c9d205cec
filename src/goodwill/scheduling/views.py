"""Staff pages: the team calendar, bookings and outcomes, types and hours, the prospect board."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.accounts.models import User
from goodwill.accounts.permissions import can, not_allowed, staff_required
from goodwill.clients.models import Client, Person
from goodwill.scheduling import ics, services
from goodwill.scheduling.forms import (
    AppointmentTypeForm,
    BookVisitForm,
    MoveForm,
    OutcomeForm,
    ProspectForm,
    TimeOffForm,
    WeeklyHoursForm,
    wall_to_instant,
)
from goodwill.scheduling.models import (
    AppointmentType,
    Booking,
    BookingStatus,
    CalendarFeed,
    Prospect,
    ProspectStage,
    StaffHours,
    TimeOff,
)
from goodwill.scheduling.slots import zone_or_default


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _staff_members():
    return User.objects.filter(is_active=True).exclude(role="").order_by("first_name", "username")


# --- Calendar -----------------------------------------------------------------------------------


@staff_required("calendar.view")
def calendar(request: HttpRequest) -> HttpResponse:
    """A week of bookings, one row per staff member, optionally with their tickets' SLA due
    times. Shown in the viewer's time zone."""
    zone = zone_or_default(request.user.time_zone)
    today = timezone.now().astimezone(zone).date()
    try:
        anchor = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        anchor = today
    monday = anchor - dt.timedelta(days=anchor.weekday())
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), tzinfo=zone)
    show_sla = request.GET.get("sla") == "1"
    members = list(_staff_members())
    only = request.GET.get("staff", "")
    if only.isdigit():
        members = [m for m in members if m.pk == int(only)]

    bookings = (
        Booking.objects.filter(
            staff__in=members, status=BookingStatus.CONFIRMED, starts_at__lt=end, ends_at__gt=start
        )
        .select_related("appointment_type", "client", "prospect", "staff")
        .order_by("starts_at")
    )
    cells: dict[tuple[int, dt.date], list[dict]] = {}
    for booking in bookings:
        local = booking.starts_at.astimezone(zone)
        cells.setdefault((booking.staff_id, local.date()), []).append({
            "kind": "booking", "time": local, "end": booking.ends_at.astimezone(zone),
            "title": booking.title(), "url": booking.get_absolute_url(),
            "type": booking.appointment_type.kind,
        })
    if show_sla:
        from goodwill.desk.models import OPEN_STATUSES, Ticket

        tickets = Ticket.objects.filter(
            assignee__in=members, status__in=OPEN_STATUSES
        ).filter(
            Q(first_response_due_at__gte=start, first_response_due_at__lt=end,
              first_response_at__isnull=True)
            | Q(resolution_due_at__gte=start, resolution_due_at__lt=end)
        ).select_related("client")[:500]
        for ticket in tickets:
            for label, due in (("Reply due", ticket.first_response_due_at),
                               ("Fix due", ticket.resolution_due_at)):
                if due is None or not (start <= due < end):
                    continue
                if label == "Reply due" and ticket.first_response_at:
                    continue
                local = due.astimezone(zone)
                cells.setdefault((ticket.assignee_id, local.date()), []).append({
                    "kind": "sla", "time": local, "title": f"{label}: {ticket.reference}",
                    "url": reverse("desk:ticket", args=[ticket.number]),
                    "late": due < timezone.now(),
                })
    rows = []
    for member in members:
        rows.append({
            "member": member,
            "cells": [
                sorted(cells.get((member.pk, day), []), key=lambda item: item["time"])
                for day in days
            ],
        })
    feed = CalendarFeed.objects.filter(staff=request.user).first()
    return render(request, "scheduling/calendar.html", {
        "days": days, "rows": rows, "today": today, "zone": zone.key, "show_sla": show_sla,
        "previous": (monday - dt.timedelta(days=7)).isoformat(),
        "next": (monday + dt.timedelta(days=7)).isoformat(),
        "this_week": today - dt.timedelta(days=today.weekday()) == monday,
        "staff_filter": only, "members": _staff_members(), "feed": feed,
        "upcoming_count": Booking.objects.filter(
            staff=request.user, status=BookingStatus.CONFIRMED, starts_at__gte=timezone.now()
        ).count(),
        "needs_outcome": Booking.objects.filter(
            status=BookingStatus.CONFIRMED, ends_at__lt=timezone.now(),
            outcome_recorded_at__isnull=True, staff=request.user,
            ends_at__gte=timezone.now() - dt.timedelta(days=30),
        ).select_related("appointment_type", "client", "prospect")[:10],
    })


@require_POST
@staff_required("calendar.view")
def feed_settings(request: HttpRequest) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        services.revoke_feed(request.user)
        messages.success(request, "Your calendar feed is off; the old address no longer works.")
    else:
        token = services.new_feed_token(request.user)
        url = request.build_absolute_uri(reverse("scheduling:feed", args=[token]))
        messages.success(
            request,
            f"Your new calendar feed address (copy it now, it is shown only once): {url}",
        )
    return redirect("scheduling:calendar")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The staff member's bookings as an ICS subscription; the token is the only key."""
    staff = services.staff_for_feed(token)
    if staff is None:
        raise Http404("No such feed")
    body = ics.feed(services.feed_bookings(staff), name=f"Goodwill · {staff}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Bookings ----------------------------------------------------------------------------------


@staff_required("calendar.view")
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(
        Booking.objects.select_related("appointment_type", "staff", "client", "prospect"), pk=pk
    )
    attendees = list(
        booking.attendees.select_related("person", "prospect", "arranges_for", "outcome")
    )
    forms = []
    for attendee in attendees:
        outcome = getattr(attendee, "outcome", None)
        initial = (
            {"attended": outcome.attended, "rating": outcome.rating, "note": outcome.note}
            if outcome else {"attended": True}
        )
        forms.append((attendee, OutcomeForm(prefix=f"a{attendee.pk}", initial=initial)))
    zone = zone_or_default(request.user.time_zone)
    staff_zone = zone_or_default(booking.staff.time_zone)
    return render(request, "scheduling/booking_detail.html", {
        "booking": booking, "attendee_forms": forms, "zone": zone.key,
        "start": booking.starts_at.astimezone(zone), "end": booking.ends_at.astimezone(zone),
        "staff_zone": staff_zone.key,
        "staff_start": booking.starts_at.astimezone(staff_zone),
        "is_past": booking.starts_at <= timezone.now(),
        "can_work": can(request.user, "bookings.work"),
    })


@require_POST
@staff_required("bookings.work")
def booking_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=pk)
    items = []
    for attendee in booking.attendees.select_related("person", "prospect"):
        form = OutcomeForm(request.POST, prefix=f"a{attendee.pk}")
        if not form.is_valid():
            messages.error(request, f"Check the outcome for {attendee.name}.")
            return redirect(booking)
        items.append(services.OutcomeInput(
            attendee=attendee, attended=form.cleaned_data["attended"],
            rating=form.cleaned_data["rating"], note=form.cleaned_data["note"],
        ))
    services.record_outcomes(booking, items, by=request.user)
    messages.success(request, "Recorded who came and how it went.")
    return redirect(booking)


@require_POST
@staff_required("bookings.work")
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=pk)
    services.cancel(booking, base_url=_base_url(request), by=request.user)
    messages.success(request, "Cancelled; everyone invited gets a cancellation for their calendar.")
    return redirect(booking)


@require_POST
@staff_required("bookings.work")
def booking_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a booking to a new day and time (in the staff member's zone); same UID, new
    SEQUENCE, everyone gets the update."""
    booking = get_object_or_404(Booking.objects.select_related("staff"), pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the new day and time.")
        return redirect(booking)
    try:
        start = wall_to_instant(form.cleaned_data["day"], form.cleaned_data["time"],
                                booking.staff.time_zone)
        services.reschedule(booking, start, base_url=_base_url(request), by=request.user)
    except services.SlotTaken as error:
        zone = zone_or_default(booking.staff.time_zone)
        free = ", ".join(f"{s.start.astimezone(zone):%a %d %b %H:%M}"
                         for s in error.alternatives[:5])
        messages.error(request, f"{error}{' Free then: ' + free + '.' if free else ''}")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Moved; everyone invited gets the new time.")
    return redirect(booking)


def _initial_type(value: str) -> AppointmentType | None:
    if not value:
        return None
    kinds = AppointmentType.objects.filter(is_active=True)
    return kinds.filter(slug=value).first() or kinds.filter(kind=value).first()


@staff_required("bookings.work")
def book(request: HttpRequest) -> HttpResponse:
    """Book a visit or review with people at a client. Pre-filled by ?person=<pk>&type=review
    (the playbook's "schedule a review with the boss" links here)."""
    person = None
    person_id = request.GET.get("person") or request.POST.get("for_person")
    if person_id and str(person_id).isdigit():
        person = Person.objects.select_related("client").filter(pk=person_id).first()
    client = person.client if person else None
    client_id = request.GET.get("client") or request.POST.get("client")
    if client is None and client_id and str(client_id).isdigit():
        client = Client.objects.filter(pk=client_id).first()
    if client is None:
        clients = Client.objects.filter(is_active=True).order_by("name")
        return render(request, "scheduling/book_pick_client.html", {"clients": clients})
    kind = _initial_type(request.GET.get("type", ""))
    if request.method == "POST":
        form = BookVisitForm(request.POST, client=client)
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking = services.book_for_people(
                    appointment_type=data["appointment_type"], staff=data["staff"],
                    start=data["start"], people=list(data["people"]), created_by=request.user,
                    location=data["location"], notes=data["notes"], base_url=_base_url(request),
                )
            except services.SlotTaken as error:
                form.add_error(None, str(error))
                alternatives = error.alternatives
                zone = zone_or_default(data["staff"].time_zone)
                form.alternatives = [s.start.astimezone(zone) for s in alternatives]
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Booked; the invitations are on their way.")
                return redirect(booking)
    else:
        initial = {"staff": request.user if request.user.role else None}
        if kind:
            initial["appointment_type"] = kind
        if person:
            initial["people"] = [person]
        form = BookVisitForm(initial=initial, client=client)
    pas = _pa_notes(client)
    return render(request, "scheduling/book.html", {
        "form": form, "client": client, "person": person, "pa_notes": pas,
    })


def _pa_notes(client: Client) -> list[str]:
    from goodwill.clients.models import StakeholderRole

    bosses = list(Person.objects.with_role(StakeholderRole.DECISION_MAKER).filter(client=client))
    pas = list(Person.objects.with_role(StakeholderRole.GATEKEEPER).filter(client=client))
    if not (bosses and pas):
        return []
    return [
        f"Invitations to {boss.full_name} are copied to {', '.join(p.full_name for p in pas)}, "
        "who arranges their meetings."
        for boss in bosses
    ]


# --- Appointment types and hours -----------------------------------------------------------------


@staff_required("calendar.view")
def types(request: HttpRequest) -> HttpResponse:
    kinds = AppointmentType.objects.annotate(
        upcoming=Count("bookings", filter=Q(bookings__status=BookingStatus.CONFIRMED,
                                            bookings__starts_at__gte=timezone.now()))
    ).prefetch_related("staff")
    return render(request, "scheduling/type_list.html", {"types": kinds})


@staff_required("scheduling.edit")
def type_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    kind = get_object_or_404(AppointmentType, pk=pk) if pk else None
    form = AppointmentTypeForm(request.POST or None, instance=kind)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved “{form.instance.name}”.")
        return redirect("scheduling:types")
    return render(request, "scheduling/type_form.html", {"form": form, "kind": kind})


@staff_required("calendar.view")
def hours(request: HttpRequest) -> HttpResponse:
    """My weekly hours and time off (scheduling.edit may edit anyone's with ?staff=<pk>)."""
    member = request.user
    wanted = request.GET.get("staff") or request.POST.get("staff")
    if wanted and str(wanted).isdigit() and int(wanted) != request.user.pk:
        if not can(request.user, "scheduling.edit"):
            return redirect("scheduling:hours")
        member = get_object_or_404(User, pk=wanted)
    existing = {h.weekday: (h.starts, h.ends) for h in StaffHours.objects.filter(staff=member)}
    form = WeeklyHoursForm(initial_hours=existing)
    off_form = TimeOffForm(zone_name=member.time_zone)
    if request.method == "POST":
        if request.POST.get("form") == "time_off":
            off_form = TimeOffForm(request.POST, zone_name=member.time_zone)
            if off_form.is_valid():
                off_form.build(member).save()
                messages.success(request, "Time off added; nobody can book you then.")
                return redirect(f"{reverse('scheduling:hours')}?staff={member.pk}")
        else:
            form = WeeklyHoursForm(request.POST, initial_hours=existing)
            if form.is_valid():
                with transaction.atomic():
                    StaffHours.objects.filter(staff=member).delete()
                    StaffHours.objects.bulk_create(
                        StaffHours(staff=member, weekday=day, starts=s, ends=e)
                        for day, (s, e) in form.cleaned_data["spans"].items()
                    )
                messages.success(request, "Working hours saved.")
                return redirect(f"{reverse('scheduling:hours')}?staff={member.pk}")
    zone = zone_or_default(member.time_zone)
    off = [
        (t, t.starts_at.astimezone(zone), t.ends_at.astimezone(zone))
        for t in TimeOff.objects.filter(staff=member, ends_at__gte=timezone.now())
    ]
    return render(request, "scheduling/hours.html", {
        "member": member, "form": form, "off_form": off_form, "time_off": off,
        "zone": zone.key, "members": _staff_members() if can(request.user, "scheduling.edit")
        else [],
    })


@require_POST
@staff_required("calendar.view")
def time_off_delete(request: HttpRequest, pk: int) -> HttpResponse:
    off = get_object_or_404(TimeOff, pk=pk)
    if off.staff_id != request.user.pk and not can(request.user, "scheduling.edit"):
        raise Http404
    off.delete()
    messages.success(request, "Time off removed.")
    return redirect(f"{reverse('scheduling:hours')}?staff={off.staff_id}")


# --- Prospects -----------------------------------------------------------------------------------


BOARD_STAGES = list(ProspectStage)


@staff_required("calendar.view")
def prospects(request: HttpRequest) -> HttpResponse:
    everyone = list(
        Prospect.objects.select_related("owner", "client").order_by("-updated_at")[:500]
    )
    columns = []
    for stage in BOARD_STAGES:
        cards = [p for p in everyone if p.stage == stage]
        columns.append({
            "stage": stage.value, "label": stage.label, "cards": cards,
            "total": sum((p.value for p in cards), start=0),
        })
    open_value = Prospect.objects.exclude(
        stage__in=[ProspectStage.WON, ProspectStage.LOST]
    ).aggregate(total=Sum("value"))["total"] or 0
    return render(request, "scheduling/prospects.html", {
        "columns": columns, "stages": ProspectStage.choices, "open_value": open_value,
        "public_types": AppointmentType.objects.filter(is_public=True, is_active=True),
    })


@staff_required("calendar.view")
def prospect_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    prospect = get_object_or_404(Prospect, pk=pk) if pk else None
    if prospect is None and not can(request.user, "prospects.edit"):
        return not_allowed(request, "prospects.edit")
    if request.method == "POST":
        if not can(request.user, "prospects.edit"):
            return redirect("scheduling:prospects")
        form = ProspectForm(request.POST, instance=prospect)
        if form.is_valid():
            saved = form.save()
            messages.success(request, f"Saved {saved}.")
            return redirect("scheduling:prospect", pk=saved.pk)
    else:
        initial = None if prospect else {"owner": request.user}
        form = ProspectForm(instance=prospect, initial=initial)
    bookings = (
        prospect.bookings.select_related("appointment_type", "staff").order_by("-starts_at")
        if prospect else []
    )
    return render(request, "scheduling/prospect_detail.html", {
        "prospect": prospect, "form": form, "bookings": bookings,
        "can_edit": can(request.user, "prospects.edit"),
    })


@require_POST
@staff_required("prospects.edit")
def prospect_move(request: HttpRequest, pk: int) -> HttpResponse:
    prospect = get_object_or_404(Prospect, pk=pk)
    stage = request.POST.get("stage", "")
    if stage not in ProspectStage.values:
        messages.error(request, "Choose a stage from the list.")
    else:
        services.move_prospect(prospect, stage)
        messages.success(request, f"{prospect} moved to {ProspectStage(stage).label}.")
    return redirect("scheduling:prospects")


@require_POST
@staff_required("prospects.edit")
def prospect_convert(request: HttpRequest, pk: int) -> HttpResponse:
    prospect = get_object_or_404(Prospect, pk=pk)
    try:
        client = services.convert_prospect(prospect, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("scheduling:prospect", pk=prospect.pk)
    messages.success(
        request, f"{client} is a client now, with {prospect.name} and a draft contract to finish."
    )
    return redirect(client)
