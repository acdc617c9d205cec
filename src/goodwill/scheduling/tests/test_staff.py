"""Staff pages: booking a review for the boss (the PA copied), recording how it went, the week
view with SLA due times, hours and time off, and the private ICS feed."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from goodwill.core.models import OutboundMessage
from goodwill.scheduling import services
from goodwill.scheduling.models import (
    Booking,
    BookingStatus,
    CalendarFeed,
    MeetingOutcome,
    StaffHours,
    TimeOff,
)
from goodwill.scheduling.slots import available_slots
from goodwill.scheduling.testing import give_hours, make_review, review


def test_the_playbook_link_opens_the_form_prefilled_for_the_boss(cast, as_manager):
    kind = review(cast.manager)
    page = as_manager.get(reverse("scheduling:book"), {"person": cast.boss.pk, "type": "review"})
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["appointment_type"] == kind
    assert form.initial["people"] == [cast.boss]
    assert form.initial["staff"] == cast.manager
    assert b"copied to Tom Ito, who arranges their meetings" in page.content


def test_staff_book_a_review_and_the_boss_invitation_copies_the_pa(cast, as_manager):
    give_hours(cast.manager)
    kind = review(cast.manager)
    start = available_slots(kind)[0].start.astimezone(timezone.get_current_timezone())
    response = as_manager.post(reverse("scheduling:book"), {
        "client": cast.acme.pk, "appointment_type": kind.pk, "people": [cast.boss.pk],
        "staff": cast.manager.pk, "day": start.date().isoformat(),
        "time": start.strftime("%H:%M"), "location": "", "notes": "Renewal in the autumn",
    })
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == booking.get_absolute_url()
    assert booking.starts_at == start and booking.client == cast.acme
    message = OutboundMessage.objects.get(context=f"booking:{booking.pk}")
    assert message.to == [cast.boss.email] and message.cc == [cast.pa.email]
    # The person page shows it, with the PA note and the button.
    person_page = as_manager.get(reverse("clients:person", args=[cast.boss.pk])).content.decode()
    assert "Quarterly business review" in person_page
    assert "copied to Tom Ito" in person_page
    assert f"?person={cast.boss.pk}&amp;type=review" in person_page


def test_a_clash_is_refused_with_free_times(cast, as_manager):
    give_hours(cast.manager)
    kind = review(cast.manager)
    start = available_slots(kind)[0].start
    services.book_for_people(appointment_type=kind, staff=cast.manager, start=start,
                             people=[cast.fd], created_by=cast.manager)
    local = start.astimezone(timezone.get_current_timezone())
    response = as_manager.post(reverse("scheduling:book"), {
        "client": cast.acme.pk, "appointment_type": kind.pk, "people": [cast.boss.pk],
        "staff": cast.manager.pk, "day": local.date().isoformat(), "time": local.strftime("%H:%M"),
    })
    assert response.status_code == 200
    assert b"is busy then" in response.content and b"Free then:" in response.content
    assert Booking.objects.count() == 1


def test_a_wall_time_in_the_spring_gap_is_refused_in_the_form(cast, as_manager):
    give_hours(cast.manager, dt.time(0), dt.time(23))
    kind = review(cast.manager)
    response = as_manager.post(reverse("scheduling:book"), {
        "client": cast.acme.pk, "appointment_type": kind.pk, "people": [cast.boss.pk],
        "staff": cast.manager.pk, "day": "2027-03-28", "time": "01:30",
    })
    assert b"does not exist on 28 Mar 2027 in Europe/London" in response.content
    assert not Booking.objects.exists()


def test_recording_the_outcome_sends_a_meeting_signal_per_attendee(cast, as_manager):
    from goodwill.happiness.models import Signal

    booking = make_review(cast)
    boss, pa = booking.attendees.order_by("id")
    response = as_manager.post(reverse("scheduling:booking_outcome", args=[booking.pk]), {
        f"a{boss.pk}-attended": "on", f"a{boss.pk}-rating": "4", f"a{boss.pk}-note": "",
        f"a{pa.pk}-rating": "", f"a{pa.pk}-note": "Was off sick",
    })
    assert response.status_code == 302
    signals = {s.person_id: s for s in Signal.objects.filter(kind="meeting")}
    assert signals[cast.boss.pk].value == 0.5
    assert signals[cast.boss.pk].key == f"meeting:{booking.pk}:{cast.boss.pk}"
    assert signals[cast.boss.pk].note == "Quarterly business review with Maria: went well (4/5)"
    assert signals[cast.pa.pk].value < 0
    assert "Missed" in signals[cast.pa.pk].note
    cast.boss.refresh_from_db()
    cast.pa.refresh_from_db()
    assert cast.boss.last_contact_at == booking.ends_at
    assert cast.pa.last_contact_at is None
    assert MeetingOutcome.objects.get(attendee=boss).rating == 4
    booking.refresh_from_db()
    assert booking.outcome_recorded_at is not None
    # Recording again does not add signals.
    as_manager.post(reverse("scheduling:booking_outcome", args=[booking.pk]), {
        f"a{boss.pk}-attended": "on", f"a{boss.pk}-rating": "5",
    })
    assert Signal.objects.filter(kind="meeting").count() == 2


def test_the_bookkeeper_sees_the_calendar_but_cannot_record_outcomes(cast, as_bookkeeper):
    booking = make_review(cast)
    assert as_bookkeeper.get(reverse("scheduling:booking", args=[booking.pk])).status_code == 200
    response = as_bookkeeper.post(reverse("scheduling:booking_outcome", args=[booking.pk]), {})
    assert response.status_code == 403
    assert not MeetingOutcome.objects.exists()


def test_staff_cancel_frees_the_time_and_sends_a_cancellation(cast, as_manager):
    give_hours(cast.manager)
    kind = review(cast.manager)
    start = available_slots(kind)[0].start
    booking = services.book_for_people(appointment_type=kind, staff=cast.manager, start=start,
                                       people=[cast.fd], created_by=cast.manager)
    as_manager.post(reverse("scheduling:booking_cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.sequence == 1
    assert start in {s.start for s in available_slots(kind)}
    assert OutboundMessage.objects.filter(kind="booking.cancel").count() == 1


def test_week_view_shows_bookings_and_sla_due_times(cast, as_manager):
    booking = make_review(cast, days_ago=0)
    ticket = cast.ticket
    ticket.resolution_due_at = timezone.now() + dt.timedelta(hours=1)
    ticket.save(update_fields=["resolution_due_at"])
    plain = as_manager.get(reverse("scheduling:calendar")).content.decode()
    assert booking.get_absolute_url() in plain
    assert ticket.reference not in plain
    overlay = as_manager.get(reverse("scheduling:calendar"), {"sla": "1"}).content.decode()
    assert f"Fix due: {ticket.reference}" in overlay


def test_hours_and_time_off(cast, as_tech):
    response = as_tech.post(reverse("scheduling:hours"), {
        "form": "hours", "d0_starts": "08:00", "d0_ends": "16:00", "d1_starts": "09:00",
        "d1_ends": "",
    })
    assert response.status_code == 200
    assert b"Give both times for Tuesday, or neither." in response.content
    as_tech.post(reverse("scheduling:hours"), {"form": "hours", "d0_starts": "08:00",
                                               "d0_ends": "16:00"})
    assert list(StaffHours.objects.filter(staff=cast.tech).values_list("weekday", flat=True)) == [0]
    as_tech.post(reverse("scheduling:hours"), {
        "form": "time_off", "starts": "2027-01-04T00:00", "ends": "2027-01-06T00:00",
        "reason": "Holiday",
    })
    off = TimeOff.objects.get(staff=cast.tech)
    assert off.ends_at - off.starts_at == dt.timedelta(days=2)
    as_tech.post(reverse("scheduling:time_off_delete", args=[off.pk]))
    assert not TimeOff.objects.exists()


def test_a_technician_cannot_edit_someone_elses_hours(cast, as_tech):
    as_tech.post(f"{reverse('scheduling:hours')}?staff={cast.manager.pk}",
                 {"form": "hours", "staff": cast.manager.pk, "d0_starts": "08:00",
                  "d0_ends": "16:00"})
    assert not StaffHours.objects.filter(staff=cast.manager).exists()


def test_the_private_feed_serves_ics_and_can_be_revoked(cast, as_manager, client):
    booking = make_review(cast, days_ago=-3)
    response = as_manager.post(reverse("scheduling:feed_settings"), {"action": "create"},
                               follow=True)
    text = response.content.decode()
    url = text[text.index("http://testserver/calendar/feed/"):].split()[0].split("<")[0]
    feed = CalendarFeed.objects.get(staff=cast.manager)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in feed.token_hash  # only the hash is stored
    ics = client.get(url.removeprefix("http://testserver"))
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == booking.uid
    assert event.decoded("DTSTART") == booking.starts_at
    assert "METHOD" not in calendar
    # Replacing the address kills the old one; turning it off kills the new one.
    as_manager.post(reverse("scheduling:feed_settings"), {"action": "create"})
    assert client.get(url.removeprefix("http://testserver")).status_code == 404
    as_manager.post(reverse("scheduling:feed_settings"), {"action": "revoke"})
    assert not CalendarFeed.objects.exists()


def test_staff_move_a_booking_keeping_its_uid(cast, as_manager):
    give_hours(cast.manager)
    kind = review(cast.manager)
    first, *_ = available_slots(kind)
    booking = services.book_for_people(appointment_type=kind, staff=cast.manager,
                                       start=first.start, people=[cast.fd],
                                       created_by=cast.manager)
    other = services.book_for_people(appointment_type=kind, staff=cast.manager,
                                     start=first.start + dt.timedelta(hours=3),
                                     people=[cast.complainer], created_by=cast.manager)
    zone = timezone.get_current_timezone()
    target = (first.start + dt.timedelta(days=1)).astimezone(zone)
    url = reverse("scheduling:booking_move", args=[booking.pk])
    as_manager.post(url, {"day": target.date().isoformat(), "time": target.strftime("%H:%M")})
    booking.refresh_from_db()
    assert (booking.starts_at, booking.sequence) == (target, 1)
    # Onto the other booking: refused, and nothing changes.
    clash = other.starts_at.astimezone(zone)
    response = as_manager.post(url, {"day": clash.date().isoformat(),
                                     "time": clash.strftime("%H:%M")}, follow=True)
    assert b"is busy then" in response.content
    booking.refresh_from_db()
    assert (booking.starts_at, booking.sequence) == (target, 1)
    kinds = OutboundMessage.objects.filter(context=f"booking:{booking.pk}").count()
    assert kinds == 2
