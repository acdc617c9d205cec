"""The public booking pages: no login; rate limited per IP; a honeypot against form bots.

Every page works without JavaScript: the visitor's time zone is a select (JavaScript only
pre-selects the browser's zone), days and times are plain links, and the form is a plain POST.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from goodwill.core.timezones import time_zone_names
from goodwill.scheduling import ratelimit, services
from goodwill.scheduling.forms import VisitorDetailsForm
from goodwill.scheduling.models import AppointmentType, Booking, BookingStatus
from goodwill.scheduling.slots import (
    Slot,
    available_slots,
    group_by_day,
    nearest,
    parse_slot_key,
    zone_or_default,
)


def _too_many(request: HttpRequest, what: str, retry_after: int) -> HttpResponse:
    response = render(
        request, "scheduling/public/too_many.html",
        {"what": what, "minutes": max(1, retry_after // 60)}, status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def _views_allowed(request: HttpRequest) -> bool:
    return ratelimit.spend(request, "views", settings.GOODWILL_BOOKING_MAX_VIEWS_PER_MINUTE, 60)


def _visitor_zone(request: HttpRequest, fallback: str = "") -> str:
    name = request.GET.get("tz") or request.POST.get("tz") or fallback
    return name if name in time_zone_names() else settings.TIME_ZONE


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _public_type(slug: str) -> AppointmentType:
    return get_object_or_404(AppointmentType, slug=slug, is_public=True, is_active=True)


def index(request: HttpRequest) -> HttpResponse:
    types = list(AppointmentType.objects.filter(is_public=True, is_active=True))
    if len(types) == 1:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(reverse("scheduling:public_slots", args=[types[0].slug]) + query)
    return render(request, "scheduling/public/index.html", {"types": types})


def _link(slot_url: str, slot: Slot, zone_name: str) -> str:
    url = slot_url.replace("KEY", slot.key)
    return f"{url}{'&' if '?' in url else '?'}tz={zone_name}"


def _slot_page_context(request: HttpRequest, kind: AppointmentType, slots: list[Slot],
                       zone_name: str, slot_url: str, **extra) -> dict:
    zone = zone_or_default(zone_name)
    days = group_by_day(slots, zone)
    wanted = request.GET.get("day", "")
    selected = next((d for d in days if d[0].isoformat() == wanted), days[0] if days else None)
    return {
        "kind": kind,
        "zone": zone.key,
        "zones": time_zone_names(),
        "days": [(day, len(day_slots)) for day, day_slots in days[:21]],
        "selected_day": selected[0] if selected else None,
        "day_slots": [
            (s, s.local_start(zone), s.local_end(zone), _link(slot_url, s, zone.key))
            for s in selected[1]
        ] if selected else [],
        "tz_in_url": bool(request.GET.get("tz")),
        **extra,
    }


def slots(request: HttpRequest, slug: str) -> HttpResponse:
    kind = _public_type(slug)
    if not _views_allowed(request):
        return _too_many(request, "looked at available times", 60)
    zone_name = _visitor_zone(request)
    slot_url = reverse("scheduling:public_details", args=[kind.slug, "KEY"])
    context = _slot_page_context(request, kind, available_slots(kind), zone_name, slot_url)
    return render(request, "scheduling/public/slots.html", context)


def _render_taken(request, kind, error: services.SlotTaken, zone_name: str, *, slot_url: str,
                  heading: str = "") -> HttpResponse:
    zone = zone_or_default(zone_name)
    return render(
        request,
        "scheduling/public/taken.html",
        {
            "kind": kind,
            "zone": zone.key,
            "message": str(error),
            "heading": heading,
            "alternatives": [
                (s, s.local_start(zone), s.local_end(zone), _link(slot_url, s, zone.key))
                for s in error.alternatives
            ],
            "back_url": reverse("scheduling:public_slots", args=[kind.slug]) + f"?tz={zone.key}",
        },
        status=409,
    )


@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    kind = _public_type(slug)
    start = parse_slot_key(key)
    if start is None:
        raise Http404("No such time")
    zone_name = _visitor_zone(request)
    zone = zone_or_default(zone_name)
    slot_url = reverse("scheduling:public_details", args=[kind.slug, "KEY"])
    if request.method == "POST":
        if not ratelimit.spend(request, "bookings", settings.GOODWILL_BOOKING_MAX_PER_HOUR, 3600):
            return _too_many(request, "made bookings", 3600)
        form = VisitorDetailsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                return render(request, "scheduling/public/refused.html", status=400)
            visitor = services.Visitor(
                name=data["name"], email=data["email"], company=data["company"],
                phone=data["phone"], headcount=data["headcount"], problem=data["problem"],
                runs_company=data["runs_company"], time_zone=zone.key,
            )
            try:
                booking = services.book_public(
                    appointment_type=kind, start=start, visitor=visitor,
                    base_url=_base_url(request),
                )
            except services.SlotTaken as error:
                return _render_taken(
                    request, kind, error, zone.key, slot_url=slot_url,
                    heading="Sorry, that time was just taken",
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                token = services.manage_token(booking)
                return redirect("scheduling:public_done", token=token)
    else:
        if not _views_allowed(request):
            return _too_many(request, "looked at available times", 60)
        free = available_slots(kind)
        if start not in {s.start for s in free}:
            # An old link, or someone booked it since the list was shown: say so before
            # the visitor types their details.
            error = services.SlotTaken(nearest(free, start))
            return _render_taken(request, kind, error, zone.key, slot_url=slot_url,
                                 heading="That time is no longer free")
        form = VisitorDetailsForm()
    return render(
        request,
        "scheduling/public/details.html",
        {
            "kind": kind, "form": form, "zone": zone.key, "key": key,
            "start": start.astimezone(zone), "end": (start + kind.duration).astimezone(zone),
            "back_url": reverse("scheduling:public_slots", args=[kind.slug]) + f"?tz={zone.key}",
        },
    )


def _booking_or_404(token: str) -> Booking:
    booking = services.booking_from_token(token)
    if booking is None:
        raise Http404("This link is not valid. Check that you copied all of it.")
    return booking


def done(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    return _manage_page(request, booking, token, just_booked=True)


def _manage_page(request, booking: Booking, token: str, **extra) -> HttpResponse:
    zone = zone_or_default(request.GET.get("tz") or booking.visitor_time_zone)
    return render(
        request,
        "scheduling/public/manage.html",
        {
            "booking": booking, "token": token, "zone": zone.key,
            "start": booking.starts_at.astimezone(zone),
            "end": booking.ends_at.astimezone(zone),
            "cancelled": booking.status == BookingStatus.CANCELLED,
            "past": booking.starts_at <= dt.datetime.now(dt.UTC),
            "email": booking.prospect.email if booking.prospect_id else "",
            **extra,
        },
    )


def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    return _manage_page(request, booking, token)


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    if request.method == "POST" and booking.status == BookingStatus.CONFIRMED:
        services.cancel(booking, base_url=_base_url(request))
        return redirect("scheduling:public_manage", token=token)
    # GET only asks: link scanners open links in e-mails, and must not cancel anything.
    return _manage_page(request, booking, token, confirm_cancel=True)


@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_or_404(token)
    kind = booking.appointment_type
    if booking.status != BookingStatus.CONFIRMED:
        return redirect("scheduling:public_manage", token=token)
    zone_name = _visitor_zone(request, booking.visitor_time_zone)
    slot_url = reverse("scheduling:public_reschedule", args=[token]) + "?start=KEY"
    if request.method == "POST":
        if not ratelimit.spend(request, "bookings", settings.GOODWILL_BOOKING_MAX_PER_HOUR, 3600):
            return _too_many(request, "changed bookings", 3600)
        start = parse_slot_key(request.POST.get("start", ""))
        if start is None:
            raise Http404("No such time")
        try:
            services.reschedule(booking, start, base_url=_base_url(request), public=True)
        except services.SlotTaken as error:
            return _render_taken(request, kind, error, zone_name, slot_url=slot_url,
                                 heading="Sorry, that time was just taken")
        return redirect(reverse("scheduling:public_manage", args=[token]) + "?moved=1")
    if not _views_allowed(request):
        return _too_many(request, "looked at available times", 60)
    chosen = parse_slot_key(request.GET.get("start", ""))
    if chosen is not None:
        zone = zone_or_default(zone_name)
        return render(request, "scheduling/public/reschedule_confirm.html", {
            "booking": booking, "token": token, "key": request.GET["start"], "zone": zone.key,
            "start": chosen.astimezone(zone), "end": (chosen + kind.duration).astimezone(zone),
            "old_start": booking.starts_at.astimezone(zone),
        })
    context = _slot_page_context(
        request, kind, available_slots(kind, ignore_booking=booking.pk), zone_name, slot_url,
        rescheduling=booking, token=token,
    )
    return render(request, "scheduling/public/slots.html", context)
