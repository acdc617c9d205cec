"""Scheduling actions: book, reschedule, cancel, record how a meeting went, work prospects.

One function per action; views and the demo call these. Every booking change queues its
e-mail (with the .ics) through core.outbox inside the same transaction, so mail never goes out
about a booking that was rolled back.

Double booking is stopped by the database, not by the availability check: a booking inserts
one BookingSlot row per grid step of its busy range and (staff, slot_start) is unique. The
availability check before it only picks who is free and gives a friendly answer early; when two
requests race past it, the second insert fails and that request gets SlotTaken with the nearest
free slots instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.clients.models import Client, Person, StakeholderRole
from goodwill.core import outbox
from goodwill.scheduling import ics
from goodwill.scheduling.models import (
    GRID_MINUTES,
    AppointmentType,
    Attendee,
    Booking,
    BookingSlot,
    BookingStatus,
    CalendarFeed,
    MeetingOutcome,
    Prospect,
    ProspectStage,
    StaffHours,
)
from goodwill.scheduling.slots import (
    Interval,
    Slot,
    WeeklySpan,
    available_slots,
    busy_ranges,
    nearest,
    working_spans,
    zone_or_default,
)

logger = logging.getLogger("goodwill.scheduling")

TOKEN_SALT = "goodwill.scheduling.manage-booking"  # noqa: S105 (a salt, not a secret)  # nosec B105
GRID = dt.timedelta(minutes=GRID_MINUTES)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class SlotTaken(Exception):
    """The slot went to someone else (or was never free); `alternatives` are the nearest free
    slots of the same appointment type."""

    def __init__(self, alternatives: Sequence[Slot], message: str = "") -> None:
        super().__init__(message or "That time was just taken.")
        self.alternatives = list(alternatives)


class _Lost(Exception):
    """The unique (staff, slot_start) constraint refused our rows: someone else holds them."""


# --- Holding time -------------------------------------------------------------------------------


def busy_range(
    appointment_type: AppointmentType, start: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    return (
        start - appointment_type.buffer_before,
        start + appointment_type.duration + appointment_type.buffer_after,
    )


def grid_steps(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every grid step touched by [start, end): floored at the start, ceiled at the end."""
    first = EPOCH + ((start - EPOCH) // GRID) * GRID
    steps = []
    step = first
    while step < end:
        steps.append(step)
        step += GRID
    return steps


def _hold(booking: Booking) -> None:
    rows = [
        BookingSlot(booking=booking, staff_id=booking.staff_id, slot_start=step)
        for step in grid_steps(booking.busy_starts_at, booking.busy_ends_at)
    ]
    try:
        with transaction.atomic():
            BookingSlot.objects.bulk_create(rows)
    except IntegrityError as error:
        raise _Lost from error


def _release(booking: Booking) -> None:
    BookingSlot.objects.filter(booking=booking).delete()


def alternatives_for(
    appointment_type: AppointmentType, around: dt.datetime, *, now: dt.datetime | None = None,
    staff: Sequence[User] | None = None, count: int = 5,
) -> list[Slot]:
    return nearest(available_slots(appointment_type, now=now, staff=staff), around, count)


# --- Booking -----------------------------------------------------------------------------------


def _place(
    appointment_type: AppointmentType,
    start: dt.datetime,
    candidates: Sequence[User],
    build: Callable[[User], Booking],
) -> Booking | None:
    """Save the booking with the first candidate whose time the database lets us hold."""
    for staff in candidates:
        try:
            with transaction.atomic():
                booking = build(staff)
                booking.starts_at = start
                booking.ends_at = start + appointment_type.duration
                booking.busy_starts_at, booking.busy_ends_at = busy_range(appointment_type, start)
                booking.save()
                _hold(booking)
                return booking
        except _Lost:
            continue
    return None


def fit_problem(
    appointment_type: AppointmentType, staff: User, start: dt.datetime,
    *, ignore_booking: int | None = None,
) -> str:
    """Why `staff` cannot take this meeting at `start` ("" when they can): outside their hours,
    off, or clashing with another booking (buffers included)."""
    zone = zone_or_default(staff.time_zone)
    end = start + appointment_type.duration
    day = start.astimezone(zone).date()
    hours = [
        WeeklySpan(h.weekday, h.starts, h.ends) for h in StaffHours.objects.filter(staff=staff)
    ]
    spans = working_spans(hours, zone, day - dt.timedelta(days=1), day + dt.timedelta(days=1))
    if not any(span.start <= start and end <= span.end for span in spans):
        return f"{staff} does not work then (their hours are in {zone.key})."
    held = Interval(*busy_range(appointment_type, start))
    busy = busy_ranges([staff.pk], held.start, held.end, ignore_booking=ignore_booking)[staff.pk]
    if any(held.overlaps(b) for b in busy):
        return f"{staff} is busy then (another booking, its travel time, or time off)."
    return ""


def _attendees_for(booking: Booking, people: Iterable[Person], prospect: Prospect | None) -> None:
    """Add the attendees; the boss's PA is copied on the boss's invitation."""
    people = list(people)
    chosen = {p.pk for p in people}
    rows = [Attendee(booking=booking, person=p) for p in people]
    for person in people:
        if StakeholderRole.DECISION_MAKER not in person.role_set():
            continue
        for pa in Person.objects.with_role(StakeholderRole.GATEKEEPER).filter(
            client_id=person.client_id, is_active=True
        ):
            if pa.pk not in chosen:
                chosen.add(pa.pk)
                rows.append(Attendee(booking=booking, person=pa, arranges_for=person))
    if prospect is not None:
        rows.append(Attendee(booking=booking, prospect=prospect))
    Attendee.objects.bulk_create(rows)


def book_for_people(
    *,
    appointment_type: AppointmentType,
    staff: User,
    start: dt.datetime,
    people: Sequence[Person],
    created_by: User | None,
    location: str = "",
    notes: str = "",
    base_url: str = "",
) -> Booking:
    """Staff book a visit or review with people at one client."""
    if not people:
        raise ValidationError("Choose who the meeting is with.")
    clients = {p.client_id for p in people}
    if len(clients) != 1:
        raise ValidationError("Everyone in one meeting must be at the same client.")
    with transaction.atomic():
        problem = fit_problem(appointment_type, staff, start)
        if problem:
            raise SlotTaken(
                alternatives_for(appointment_type, start, staff=[staff]), message=problem
            )

        def build(member: User) -> Booking:
            return Booking(
                appointment_type=appointment_type,
                staff=member,
                client_id=people[0].client_id,
                location=location or appointment_type.location,
                notes=notes,
                visitor_time_zone=people[0].time_zone,
                created_by=created_by,
            )

        booking = _place(appointment_type, start, [staff], build)
        if booking is None:
            raise SlotTaken(alternatives_for(appointment_type, start, staff=[staff]))
        _attendees_for(booking, people, None)
        send_invitation(booking, base_url=base_url)
    return booking


@dataclass(frozen=True)
class Visitor:
    name: str
    email: str
    company: str = ""
    phone: str = ""
    headcount: int | None = None
    problem: str = ""
    runs_company: bool = False
    time_zone: str = settings.TIME_ZONE


def upsert_prospect(visitor: Visitor) -> Prospect:
    """The prospect with this e-mail, created or brought up to date, at "consultation booked"
    unless they have got further than that already."""
    email = visitor.email.strip()
    prospect = Prospect.objects.filter(email__iexact=email).first()
    if prospect is None:
        try:
            with transaction.atomic():
                prospect = Prospect.objects.create(name=visitor.name, email=email)
        except IntegrityError:  # created by a parallel booking from the same person
            prospect = Prospect.objects.get(email__iexact=email)
    prospect.name = visitor.name or prospect.name
    prospect.company = visitor.company or prospect.company
    prospect.phone = visitor.phone or prospect.phone
    prospect.headcount = visitor.headcount or prospect.headcount
    if visitor.problem:
        prospect.problem = visitor.problem
    prospect.runs_company = visitor.runs_company or prospect.runs_company
    prospect.time_zone = visitor.time_zone
    if prospect.stage in (ProspectStage.NEW, ProspectStage.LOST):
        prospect.stage = ProspectStage.CONSULTATION_BOOKED
        prospect.next_step = "Hold the diagnostic consultation"
    prospect.save()
    return prospect


def _retry_when_locked(action: Callable[[], Booking], attempts: int = 8) -> Booking:
    """SQLite answers "database is locked" when another writer holds the lock longer than the
    busy timeout (or at once, for a shared-cache database). The whole transaction was rolled
    back, so running it again is safe; inside someone else's transaction it is not, and the
    error goes up."""
    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as error:
            last = attempt == attempts - 1
            if last or "locked" not in str(error) or connection.in_atomic_block:
                raise
            logger.info("booking: database locked, trying again (%s)", attempt + 1)
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


def book_public(
    *,
    appointment_type: AppointmentType,
    start: dt.datetime,
    visitor: Visitor,
    base_url: str,
    now: dt.datetime | None = None,
) -> Booking:
    """A visitor books a public appointment type. Raises SlotTaken with the nearest free slots
    when the time is no longer free (including when someone else won it a moment ago)."""
    if not appointment_type.is_public or not appointment_type.is_active:
        raise ValidationError("This kind of meeting cannot be booked online.")
    return _retry_when_locked(
        lambda: _book_public(appointment_type, start, visitor, base_url, now or timezone.now())
    )


def _book_public(
    appointment_type: AppointmentType, start: dt.datetime, visitor: Visitor, base_url: str,
    now: dt.datetime,
) -> Booking:
    with transaction.atomic():
        slots = available_slots(appointment_type, now=now)
        match = next((s for s in slots if s.start == start), None)
        if match is None:
            raise SlotTaken(nearest(slots, start))
        staff_by_id = User.objects.in_bulk(match.staff_ids)
        candidates = [staff_by_id[pk] for pk in match.staff_ids if pk in staff_by_id]
        prospect = upsert_prospect(visitor)

        def build(member: User) -> Booking:
            return Booking(
                appointment_type=appointment_type,
                staff=member,
                prospect=prospect,
                location=appointment_type.location,
                notes=visitor.problem,
                visitor_time_zone=visitor.time_zone,
            )

        booking = _place(appointment_type, start, candidates, build)
        if booking is None:
            transaction.set_rollback(True)
            lost = True
        else:
            lost = False
            _attendees_for(booking, [], prospect)
            send_invitation(booking, base_url=base_url)
    if lost:
        logger.info("booking: %s at %s was taken by a parallel request", appointment_type, start)
        raise SlotTaken(alternatives_for(appointment_type, start, now=now))
    return booking


def reschedule(
    booking: Booking, start: dt.datetime, *, base_url: str = "", by: User | None = None,
    now: dt.datetime | None = None, public: bool = False,
) -> Booking:
    """Move a booking; the UID stays, SEQUENCE goes up, everyone gets the updated invitation.
    When the new time is taken the booking stays where it was."""
    now = now or timezone.now()
    kind = booking.appointment_type
    if not booking.is_confirmed:
        raise ValidationError("A cancelled booking cannot be moved; book a new one.")
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        staff = locked.staff
        if public:
            slots = available_slots(kind, now=now, ignore_booking=locked.pk)
            match = next((s for s in slots if s.start == start), None)
            candidates = (
                list(User.objects.filter(pk__in=match.staff_ids).order_by("pk")) if match else []
            )
            # Keep the same person when they are free.
            candidates.sort(key=lambda m: m.pk != staff.pk)
        else:
            problem = fit_problem(kind, staff, start, ignore_booking=locked.pk)
            candidates = [] if problem else [staff]
        if not candidates:
            free = available_slots(
                kind, now=now, ignore_booking=locked.pk, staff=None if public else [staff],
                notice=None if public else dt.timedelta(0),
            )
            raise SlotTaken(nearest(free, start), message="" if public else problem)
        _release(locked)
        for member in candidates:
            locked.staff = member
            locked.starts_at = start
            locked.ends_at = start + kind.duration
            locked.busy_starts_at, locked.busy_ends_at = busy_range(kind, start)
            try:
                with transaction.atomic():
                    locked.sequence += 1
                    locked.save()
                    _hold(locked)
                    break
            except _Lost:
                locked.sequence -= 1
                continue
        else:
            transaction.set_rollback(True)
            raise SlotTaken(alternatives_for(kind, start, now=now))
        send_invitation(locked, base_url=base_url)
    booking.refresh_from_db()
    return booking


def cancel(booking: Booking, *, base_url: str = "", by: User | None = None,
           now: dt.datetime | None = None) -> Booking:
    """Cancel: the time is freed, SEQUENCE goes up and everyone gets a METHOD:CANCEL."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status == BookingStatus.CANCELLED:
            return locked
        _release(locked)
        locked.status = BookingStatus.CANCELLED
        locked.cancelled_at = now
        locked.sequence += 1
        locked.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
        send_invitation(locked, base_url=base_url)
    booking.refresh_from_db()
    return booking


# --- Manage links -------------------------------------------------------------------------------


def manage_token(booking: Booking) -> str:
    return signing.dumps({"b": booking.pk, "u": booking.uid}, salt=TOKEN_SALT)


def booking_from_token(token: str) -> Booking | None:
    """The booking a reschedule/cancel link is for; None for a tampered or unknown token."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return (
        Booking.objects.select_related("appointment_type", "staff", "prospect")
        .filter(pk=data.get("b"), uid=data.get("u"))
        .first()
    )


def manage_urls(booking: Booking, base_url: str) -> dict[str, str]:
    token = manage_token(booking)
    base = (base_url or settings.GOODWILL_BOOKING_BASE_URL).rstrip("/")
    return {
        "manage": base + reverse("scheduling:public_manage", args=[token]),
        "reschedule": base + reverse("scheduling:public_reschedule", args=[token]),
        "cancel": base + reverse("scheduling:public_cancel", args=[token]),
    }


# --- Mail ---------------------------------------------------------------------------------------


def when_text(booking: Booking, zone_name: str) -> str:
    zone = zone_or_default(zone_name)
    start, end = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
    return f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M}–{end:%H:%M} ({zone.key})"


def send_invitation(booking: Booking, *, base_url: str = "") -> outbox.OutboundMessage | None:
    """Queue the invitation (or update, or cancellation) with its .ics to the attendees; the PA
    is copied on the boss's. Each SEQUENCE is queued once."""
    attendees = list(booking.attendees.select_related("person", "prospect"))
    to = [a.email for a in attendees if a.email and not a.arranges_for_id]
    cc = [a.email for a in attendees if a.email and a.arranges_for_id]
    if not to:
        to, cc = cc, []
    if not to:
        return None
    cancelled = booking.status == BookingStatus.CANCELLED
    method = "CANCEL" if cancelled else "REQUEST"
    kind = booking.appointment_type.name
    when = when_text(booking, booking.visitor_time_zone)
    names = ", ".join(a.name.split(" ")[0] for a in attendees if not a.arranges_for_id)
    urls = manage_urls(booking, base_url)
    if cancelled:
        subject = f"Cancelled: {kind}, {when}"
        lead = f"Your {kind.lower()} with {booking.staff} is cancelled."
    elif booking.sequence:
        subject = f"Moved: {kind}, {when}"
        lead = f"Your {kind.lower()} with {booking.staff} has moved to a new time."
    else:
        subject = f"Confirmed: {kind}, {when}"
        lead = f"Your {kind.lower()} with {booking.staff} is booked."
    lines = [f"Hello {names or 'there'},", "", lead, "", f"When:  {when}"]
    if booking.location:
        lines.append(f"Where: {booking.location}")
    lines.append(f"With:  {booking.staff}, {settings.GOODWILL_PROVIDER_NAME}")
    for pa in (a for a in attendees if a.arranges_for_id):
        lines.append(f"Copied to {pa.name}, who arranges {pa.arranges_for.full_name}'s meetings.")
    if not cancelled:
        lines += [
            "",
            f"Need another time?  {urls['reschedule']}",
            f"Can't make it?      {urls['cancel']}",
            "",
            "The attached invitation adds it to your calendar.",
        ]
    else:
        lines += ["", "The attached cancellation removes it from your calendar."]
    lines += ["", f"{booking.staff}", settings.GOODWILL_PROVIDER_NAME]
    description = f"{kind} with {booking.staff}. Manage: {urls['manage']}"
    attachment = outbox.Attachment(
        "invite.ics" if not cancelled else "cancel.ics",
        ics.invitation(booking, method=method, description=description),
        "text/calendar",
    )
    return outbox.enqueue(
        kind=f"booking.{method.lower()}",
        to=to,
        cc=cc,
        reply_to=booking.staff.email or "",
        subject=subject,
        text="\n".join(lines) + "\n",
        attachments=[attachment],
        context=f"booking:{booking.pk}",
        dedupe_key=f"booking:{booking.uid}:{booking.sequence}",
        automatic=False,
    )


# --- After the meeting ------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeInput:
    attendee: Attendee
    attended: bool
    rating: int | None
    note: str = ""


def rating_value(attended: bool, rating: int | None) -> float:
    """A meeting as a happiness signal: 1 → -1, 3 → 0, 5 → +1; a no-show is mildly bad."""
    if not attended:
        return -0.5
    if rating is None:
        return 0.25  # they turned up: some contact is better than none
    return (rating - 3) / 2


def record_outcomes(
    booking: Booking, outcomes: Sequence[OutcomeInput], *, by: User,
    now: dt.datetime | None = None,
) -> list[MeetingOutcome]:
    """Who attended and how it went, per attendee; each person gets a meeting signal and, when
    they came, a recorded contact. Recording again corrects the outcome rows."""
    from goodwill.clients.services import record_contact
    from goodwill.happiness.signals import record_signal

    now = now or timezone.now()
    kind = booking.appointment_type.name
    rows = []
    with transaction.atomic():
        for item in outcomes:
            if item.attendee.booking_id != booking.pk:
                raise ValidationError("That attendee is not in this meeting.")
            if item.rating is not None and not 1 <= item.rating <= 5:
                raise ValidationError("Rate how it went from 1 to 5.")
            outcome, _ = MeetingOutcome.objects.update_or_create(
                attendee=item.attendee,
                defaults={
                    "attended": item.attended,
                    "rating": item.rating if item.attended else None,
                    "note": item.note[:300],
                    "recorded_by": by,
                    "recorded_at": now,
                },
            )
            rows.append(outcome)
            person = item.attendee.person
            if person is not None:
                if item.attended:
                    how = f": {_how(item.rating)}" if item.rating else ""
                    note = f"{kind} with {person.first_name}{how}"
                else:
                    note = f"Missed the {kind.lower()} with {booking.staff}"
                if item.note:
                    note = f"{note}. {item.note}"
                record_signal(
                    kind="meeting",
                    value=rating_value(item.attended, item.rating),
                    occurred_at=booking.starts_at,
                    person=person,
                    source=f"booking:{booking.pk}",
                    key=f"meeting:{booking.pk}:{person.pk}",
                    note=note,
                    details={"attended": item.attended, "rating": item.rating},
                )
                if item.attended:
                    record_contact(person, when=booking.ends_at)
            elif item.attendee.prospect_id and item.attended:
                prospect = item.attendee.prospect
                if prospect.stage == ProspectStage.CONSULTATION_BOOKED:
                    prospect.stage = ProspectStage.CONSULTATION_HELD
                    prospect.next_step = "Send the proposal"
                    prospect.save(update_fields=["stage", "next_step", "updated_at"])
        booking.outcome_recorded_at = now
        booking.save(update_fields=["outcome_recorded_at", "updated_at"])
    return rows


def _how(rating: int) -> str:
    words = {1: "went badly", 2: "went poorly", 3: "went OK", 4: "went well", 5: "went very well"}
    return f"{words[rating]} ({rating}/5)"


# --- Prospects ---------------------------------------------------------------------------------


def move_prospect(prospect: Prospect, stage: str, *, next_step: str | None = None) -> Prospect:
    ProspectStage(stage)  # ValueError on an unknown stage
    prospect.stage = stage
    if next_step is not None:
        prospect.next_step = next_step[:200]
    prospect.save(update_fields=["stage", "next_step", "updated_at"])
    return prospect


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first[:100] or "Unknown", last.strip()[:100]


def convert_prospect(prospect: Prospect, *, by: User) -> Client:
    """Make the prospect a client: the Client, the booker as a Person (the boss when they run
    the company) and a draft contract at the prospect's value. The prospect is marked won."""
    from goodwill.clients.services import assign_role
    from goodwill.contracts.models import BillingCycle, Contract, ContractState
    from goodwill.contracts.services import save_contract
    from goodwill.core.money import quantize

    if prospect.client_id:
        raise ValidationError(f"{prospect} is already a client: {prospect.client}.")
    name = (prospect.company or prospect.name).strip()
    if Client.objects.filter(name__iexact=name).exists():
        raise ValidationError(
            f"A client called “{name}” already exists; rename the company first."
        )
    if Person.objects.filter(email__iexact=prospect.email).exists():
        raise ValidationError(f"{prospect.email} already belongs to someone at a client.")
    domain = prospect.email.rpartition("@")[2].lower()
    with transaction.atomic():
        client = Client.objects.create(
            name=name,
            phone=prospect.phone,
            email_domains=domain if domain and not _public_mail_domain(domain) else "",
            account_manager=by if by.role else None,
            notes=f"Converted from a prospect. What was going wrong: {prospect.problem}".strip(),
        )
        first, last = _split_name(prospect.name)
        person = Person.objects.create(
            client=client, first_name=first, last_name=last, email=prospect.email,
            phone=prospect.phone, time_zone=zone_or_default(prospect.time_zone).key,
        )
        if prospect.runs_company:
            assign_role(person, StakeholderRole.DECISION_MAKER, by=by)
        yearly = prospect.value or Decimal("0")
        contract = Contract(
            client=client,
            name="IT maintenance agreement (proposal)",
            state=ContractState.DRAFT,
            start_date=timezone.localdate(),
            term_months=12,
            end_date=None,
            renewal_date=None,
            fee=quantize(yearly / 12),
            billing_cycle=BillingCycle.MONTHLY,
            currency=settings.GOODWILL_CURRENCY,
            notes=f"Drafted when {prospect} was converted.",
        )
        save_contract(contract)
        prospect.client = client
        prospect.stage = ProspectStage.WON
        prospect.next_step = "Get the contract signed and mark it active"
        prospect.save(update_fields=["client", "stage", "next_step", "updated_at"])
        Booking.objects.filter(prospect=prospect).update(client=client)
        Attendee.objects.filter(prospect=prospect).update(person=person)
    return client


PUBLIC_MAIL_DOMAINS = {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com",
                       "yahoo.com", "icloud.com", "me.com", "aol.com", "proton.me", "gmx.de",
                       "web.de", "btinternet.com", "hotmail.co.uk", "yahoo.co.uk"}


def _public_mail_domain(domain: str) -> bool:
    return domain in PUBLIC_MAIL_DOMAINS


# --- Calendar feeds ---------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(staff: User) -> str:
    """A fresh feed address for `staff`; the previous one stops working."""
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        CalendarFeed.objects.filter(staff=staff).delete()
        CalendarFeed.objects.create(staff=staff, token_hash=_hash(token))
    return token


def revoke_feed(staff: User) -> bool:
    return CalendarFeed.objects.filter(staff=staff).delete()[0] > 0


def staff_for_feed(token: str) -> User | None:
    feed = CalendarFeed.objects.select_related("staff").filter(token_hash=_hash(token)).first()
    if feed is None or not feed.staff.is_active:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.staff


def feed_bookings(staff: User, *, now: dt.datetime | None = None) -> list[Booking]:
    now = now or timezone.now()
    return list(
        Booking.objects.filter(
            staff=staff, starts_at__gte=now - dt.timedelta(days=60)
        ).select_related("appointment_type", "staff", "client", "prospect")
        .prefetch_related("attendees__person", "attendees__prospect")
    )
