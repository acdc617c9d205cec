"""Booking: the database refuses double bookings, under real concurrency on SQLite and PostgreSQL;
reschedule and cancel keep the UID and raise SEQUENCE; every change mails an .ics."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from icalendar import Calendar

from goodwill.core import outbox
from goodwill.scheduling import services
from goodwill.scheduling.models import (
    Booking,
    BookingSlot,
    BookingStatus,
    Prospect,
    ProspectStage,
    TimeOff,
)
from goodwill.scheduling.slots import available_slots
from goodwill.scheduling.testing import consultation, give_hours, review

BASE = "http://testserver/"


def visitor(n: int = 1, **extra) -> services.Visitor:
    values = dict(name=f"Visitor {n}", email=f"visitor{n}@prospect.test", company=f"Firm {n}",
                  problem="The server falls over every Monday", time_zone="Europe/Berlin")
    values.update(extra)
    return services.Visitor(**values)


def booking_mail(inbox) -> list:
    """What the scheduling sent (the cast's ticket may have mail of its own)."""
    return [m for m in inbox.messages if "booking:" in m.get("X-Goodwill-Context", "")
            or any(p.get_content_type() == "text/calendar" for p in m.walk())]


def ical(message) -> Calendar:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


def the_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.fixture
def public_kind(cast):
    give_hours(cast.manager)
    return consultation(cast.manager)


def test_a_public_booking_holds_its_time_and_creates_the_prospect(public_kind, cast):
    slot = available_slots(public_kind)[0]
    booking = services.book_public(
        appointment_type=public_kind, start=slot.start, visitor=visitor(), base_url=BASE
    )
    assert booking.staff == cast.manager
    assert booking.ends_at - booking.starts_at == dt.timedelta(minutes=60)
    # Busy range = meeting + 15 minutes after: five 15-minute rows.
    assert BookingSlot.objects.filter(booking=booking).count() == 5
    prospect = Prospect.objects.get(email="visitor1@prospect.test")
    assert prospect.stage == ProspectStage.CONSULTATION_BOOKED
    assert booking.prospect == prospect
    assert slot.start not in {s.start for s in available_slots(public_kind)}
    # The buffer keeps the next 15 minutes free as well.
    after = booking.ends_at
    assert after not in {s.start for s in available_slots(public_kind)}


def test_booking_again_with_the_same_email_updates_the_one_prospect(public_kind):
    first, second = available_slots(public_kind)[0], available_slots(public_kind)[-1]
    services.book_public(appointment_type=public_kind, start=first.start,
                         visitor=visitor(company="Old name"), base_url=BASE)
    services.book_public(appointment_type=public_kind, start=second.start,
                         visitor=visitor(email="VISITOR1@prospect.test", company="New name",
                                         headcount=25), base_url=BASE)
    (prospect,) = Prospect.objects.all()
    assert (prospect.company, prospect.headcount) == ("New name", 25)
    assert prospect.bookings.count() == 2


def test_the_database_refuses_a_second_booking_of_held_time(cast):
    """Even when an availability check was passed (stale), the unique slot rows refuse it."""
    give_hours(cast.manager)
    kind = review(cast.manager, minimum_notice_minutes=0)
    start = available_slots(kind)[0].start
    services.book_for_people(appointment_type=kind, staff=cast.manager, start=start,
                             people=[cast.fd], created_by=cast.manager)

    def build(member):
        return Booking(appointment_type=kind, staff=member, client=cast.acme)

    # Same start, and a start 15 minutes later whose buffer overlaps: both lose at the insert.
    assert services._place(kind, start, [cast.manager], build) is None
    assert services._place(kind, start + dt.timedelta(minutes=15), [cast.manager], build) is None
    assert Booking.objects.count() == 1


def test_a_taken_slot_answers_with_the_nearest_free_ones(public_kind):
    slot = available_slots(public_kind)[2]
    services.book_public(appointment_type=public_kind, start=slot.start, visitor=visitor(1),
                         base_url=BASE)
    with pytest.raises(services.SlotTaken) as taken:
        services.book_public(appointment_type=public_kind, start=slot.start, visitor=visitor(2),
                             base_url=BASE)
    starts = [s.start for s in taken.value.alternatives]
    assert starts and slot.start not in starts
    assert max(abs(s - slot.start) for s in starts) <= dt.timedelta(hours=4)
    # The loser's details were not kept.
    assert not Prospect.objects.filter(email="visitor2@prospect.test").exists()


@pytest.mark.django_db(transaction=True)
def test_two_visitors_racing_for_one_slot_one_wins_one_is_told_it_was_taken():
    """Two threads, two database connections, released together: exactly one booking."""
    from goodwill.testing.personas import make_staff

    staff = make_staff("rita", "account_manager", "Rita", "Race")
    give_hours(staff)
    kind = consultation(staff)
    slot = available_slots(kind)[0]
    # Load what a running server has loaded already (the URL configuration), so the race is
    # about the booking and not about one thread importing modules while holding the lock.
    services.manage_urls(Booking(pk=1, uid="warm-up"), BASE)
    barrier = threading.Barrier(2)
    results: list[tuple[str, object]] = []

    def attempt(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            booking = services.book_public(
                appointment_type=kind, start=slot.start, visitor=visitor(n), base_url=BASE
            )
            results.append(("won", booking.pk))
        except services.SlotTaken as taken:
            results.append(("taken", taken.alternatives))
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            results.append(("error", repr(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(kind for kind, _ in results) == ["taken", "won"], results
    alternatives = next(value for kind, value in results if kind == "taken")
    assert alternatives and slot.start not in [s.start for s in alternatives]
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1
    assert BookingSlot.objects.count() == 5
    assert Prospect.objects.count() == 1


def test_time_off_and_other_bookings_are_not_offered(cast):
    give_hours(cast.manager)
    kind = consultation(cast.manager)
    first = available_slots(kind)[0]
    TimeOff.objects.create(staff=cast.manager, starts_at=first.start - dt.timedelta(hours=1),
                           ends_at=first.start + dt.timedelta(hours=3), reason="Dentist")
    starts = {s.start for s in available_slots(kind)}
    assert first.start not in starts
    assert all(not (first.start - dt.timedelta(hours=2) < s < first.start + dt.timedelta(hours=3))
               for s in starts)


def test_staff_cannot_book_outside_hours_or_over_a_clash(cast):
    give_hours(cast.manager, dt.time(9), dt.time(17))
    kind = review(cast.manager)
    day = timezone.localdate() + dt.timedelta(days=3)
    zone = timezone.get_current_timezone()
    early = dt.datetime.combine(day, dt.time(7), tzinfo=zone)
    with pytest.raises(services.SlotTaken, match="does not work then"):
        services.book_for_people(appointment_type=kind, staff=cast.manager, start=early,
                                 people=[cast.fd], created_by=cast.manager)
    ten = dt.datetime.combine(day, dt.time(10), tzinfo=zone)
    services.book_for_people(appointment_type=kind, staff=cast.manager, start=ten,
                             people=[cast.fd], created_by=cast.manager)
    # 11:00 is after the 45-minute review but inside its 30-minute buffer.
    with pytest.raises(services.SlotTaken, match="busy then"):
        services.book_for_people(appointment_type=kind, staff=cast.manager,
                                 start=ten + dt.timedelta(hours=1), people=[cast.complainer],
                                 created_by=cast.manager)


# --- Mail and ICS ------------------------------------------------------------------------------


def test_invitation_update_and_cancellation_arrive_by_smtp_with_one_uid(public_kind, smtp_server,
                                                                         cast):
    cast.manager.time_zone = "Europe/London"
    cast.manager.save()
    slots = available_slots(public_kind)
    booking = services.book_public(appointment_type=public_kind, start=slots[0].start,
                                   visitor=visitor(), base_url=BASE)
    outbox.deliver_due()
    booking = services.reschedule(booking, slots[3].start, base_url=BASE, public=True)
    outbox.deliver_due()
    booking = services.cancel(booking, base_url=BASE)
    outbox.deliver_due()

    invite, moved, cancelled = booking_mail(smtp_server.inbox)
    assert invite["To"] == "visitor1@prospect.test"
    assert str(invite["Subject"]).strip().startswith("Confirmed: Diagnostic consultation")
    assert "(Europe/Berlin)" in invite["Subject"]  # in the visitor's own zone
    assert BASE + "book/manage/" in invite.get_body(("plain",)).get_content()

    sent = [ical(m) for m in (invite, moved, cancelled)]
    assert [str(c["METHOD"]) for c in sent] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [the_event(c) for c in sent]
    assert {str(e["UID"]) for e in events} == {booking.uid}
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    assert str(events[2]["STATUS"]) == "CANCELLED"
    # Times carry the staff member's zone and mean the booked instants.
    start = events[0].decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/London"
    assert events[0]["DTSTART"].params["TZID"] == "Europe/London"
    assert start == slots[0].start
    assert events[1].decoded("DTSTART") == slots[3].start
    assert events[1].decoded("DTEND") - events[1].decoded("DTSTART") == dt.timedelta(hours=1)
    assert sent[0].walk("VTIMEZONE"), "a VTIMEZONE for the TZID"
    assert "visitor1@prospect.test" in str(events[0]["ATTENDEE"])
    assert str(events[0]["ORGANIZER"]) == f"mailto:{cast.manager.email}"
    assert booking.sequence == 2 and booking.status == BookingStatus.CANCELLED
    # Its time is free again.
    assert slots[0].start in {s.start for s in available_slots(public_kind)}


def test_the_boss_invitation_copies_the_pa(cast, smtp_server):
    give_hours(cast.manager)
    kind = review(cast.manager)
    start = available_slots(kind)[0].start
    booking = services.book_for_people(appointment_type=kind, staff=cast.manager, start=start,
                                       people=[cast.boss], created_by=cast.manager)
    outbox.deliver_due()
    (message,) = booking_mail(smtp_server.inbox)
    assert message["To"] == cast.boss.email
    assert message["Cc"] == cast.pa.email
    assert "who arranges Maria Shaw's meetings" in message.get_body(("plain",)).get_content()
    event = the_event(ical(message))
    attendees = event["ATTENDEE"]
    by_address = {str(a): a.params for a in attendees}
    assert by_address[f"mailto:{cast.boss.email}"]["ROLE"] == "REQ-PARTICIPANT"
    assert by_address[f"mailto:{cast.pa.email}"]["ROLE"] == "NON-PARTICIPANT"
    assert booking.attendees.count() == 2


def test_manage_tokens_are_signed_and_tampering_is_refused(public_kind):
    slot = available_slots(public_kind)[0]
    booking = services.book_public(appointment_type=public_kind, start=slot.start,
                                   visitor=visitor(), base_url=BASE)
    token = services.manage_token(booking)
    assert services.booking_from_token(token) == booking
    body, _, signature = token.rpartition(":")
    assert services.booking_from_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert services.booking_from_token(body + ":" + signature[::-1]) is None
    # A token from another salt (e.g. a different feature's signed value) is refused too.
    from django.core import signing

    forged = signing.dumps({"b": booking.pk, "u": booking.uid}, salt="something-else")
    assert services.booking_from_token(forged) is None


@pytest.mark.django_db(transaction=True)
@hyp_settings(max_examples=10, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.tuples(st.integers(0, 400), st.booleans(), st.integers(0, 3)),
                      min_size=1, max_size=12),
       zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney"]))
def test_any_sequence_of_bookings_moves_and_cancellations_never_overlaps(picks, zone):
    """Whatever visitors ask for (free or not) and whatever gets moved or cancelled, no two
    confirmed bookings of one staff member overlap, buffers included, and each holds exactly
    the slot rows of its busy range."""
    from goodwill.accounts.models import User
    from goodwill.testing.personas import make_staff

    Booking.objects.all().delete()
    Prospect.objects.all().delete()
    User.objects.filter(username="hypo").delete()
    staff = make_staff("hypo", "account_manager", "Hy", "Po")
    staff.time_zone = zone
    staff.save()
    give_hours(staff, dt.time(8), dt.time(18))
    kind = consultation(staff, slug=f"hypo-{zone.lower().replace('/', '-')}",
                        buffer_before_minutes=15, buffer_after_minutes=30)
    kind.staff.set([staff])
    slots = available_slots(kind)
    for n, (index, move, action) in enumerate(picks):
        start = slots[index % len(slots)].start + dt.timedelta(minutes=15 * (index % 3))
        try:
            booking = services.book_public(appointment_type=kind, start=start,
                                           visitor=visitor(n), base_url=BASE)
        except services.SlotTaken:
            continue
        if move and action == 1:
            try:
                services.reschedule(booking, slots[(index * 7) % len(slots)].start,
                                    base_url=BASE, public=True)
            except services.SlotTaken:
                pass
        elif action == 2:
            services.cancel(booking, base_url=BASE)
    confirmed = list(Booking.objects.filter(staff=staff, status=BookingStatus.CONFIRMED)
                     .order_by("busy_starts_at"))
    for earlier, later in zip(confirmed, confirmed[1:], strict=False):
        assert earlier.busy_ends_at <= later.busy_starts_at
    for booking in confirmed:
        rows = sorted(BookingSlot.objects.filter(booking=booking)
                      .values_list("slot_start", flat=True))
        assert rows == services.grid_steps(booking.busy_starts_at, booking.busy_ends_at)
    assert not BookingSlot.objects.filter(booking__status=BookingStatus.CANCELLED).exists()
