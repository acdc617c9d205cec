"""Demo scheduling: appointment types, the team's hours, upcoming reviews and visits with key
people at a few clients, a handful of past meetings with outcomes, and a prospect pipeline.

The public booking page works straight after `goodwill demo`: the diagnostic consultation is
public and the owner and account managers have weekday hours. Bookings are made through the
same slot search and slot rows as real ones, without queuing invitation e-mails. Work is capped
(a dozen clients), so it takes the same time at 500 clients as at 20.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from goodwill.clients.models import Person, StakeholderRole
from goodwill.scheduling import services
from goodwill.scheduling.models import (
    AppointmentKind,
    AppointmentType,
    Attendee,
    Booking,
    CalendarFeed,
    Prospect,
    ProspectStage,
    StaffHours,
    TimeOff,
)
from goodwill.scheduling.slots import available_slots

TYPES = (
    # slug, name, kind, minutes, before, after, notice (min), window (days), public, staff, where
    ("diagnostic-consultation", "Diagnostic consultation", AppointmentKind.CONSULTATION, 60, 0,
     15, 4 * 60, 21, True, ("sam", "priya", "tom"),
     "Video call (the link comes with the invitation)"),
    ("on-site-visit", "On-site visit", AppointmentKind.VISIT, 90, 30, 30, 24 * 60, 30, False,
     ("alex", "jo", "priya", "tom"), "At the client's office"),
    ("quarterly-review", "Quarterly business review", AppointmentKind.REVIEW, 45, 15, 15, 0, 60,
     False, ("sam", "priya", "tom"), "At the client's office, or by video"),
    ("remote-session", "Remote session", AppointmentKind.REMOTE, 30, 0, 15, 60, 14, False,
     ("alex", "jo"), "Remote support session (link in the invitation)"),
)
DESCRIPTIONS = {
    "diagnostic-consultation": "An hour with one of our engineers: tell us what keeps going "
    "wrong with your computers, network or backups, and we'll tell you plainly what we'd fix "
    "first. Free, no obligation.",
}

PROSPECTS = (
    # name, company, headcount, stage, yearly value, next step, problem, runs the company
    ("Hannah Price", "Price & Webb Solicitors", 18, ProspectStage.NEW, 9000,
     "Call back: asked about a consultation by phone", "Case files on one old NAS", True),
    ("Omar Haddad", "Haddad Logistics", 42, ProspectStage.NEW, 21000,
     "Send the services leaflet", "Drivers' tablets lose Wi-Fi in the yard", False),
    ("Grace Lin", "Lin Architecture", 12, ProspectStage.CONSULTATION_BOOKED, 7200,
     "Hold the diagnostic consultation", "CAD workstations crash when rendering", True),
    ("Marcus Bell", "Bell Veterinary Group", 35, ProspectStage.CONSULTATION_BOOKED, 16800,
     "Hold the diagnostic consultation", "Practice software slow at three sites", False),
    ("Sofia Romano", "Romano Deli & Bakery", 9, ProspectStage.CONSULTATION_BOOKED, 4200,
     "Hold the diagnostic consultation", "Till system and card reader drop out", True),
    ("Ethan Cole", "Cole Engineering", 60, ProspectStage.CONSULTATION_HELD, 30000,
     "Send the proposal by Friday", "No backups anyone has tested", False),
    ("Aisha Khan", "Khan Dental Studio", 15, ProspectStage.CONSULTATION_HELD, 8400,
     "Price the imaging-PC upgrade", "X-ray PCs on Windows 10", True),
    ("Lukas Weber", "Weber Translations", 8, ProspectStage.PROPOSAL_SENT, 4800,
     "Chase the proposal (sent last week)", "Shared mailbox chaos", True),
    ("Chloe Martin", "Martin & Daughters Estate Agents", 22, ProspectStage.PROPOSAL_SENT, 11400,
     "Answer their question about response times", "Phones and e-mail down twice a month",
     False),
    ("Daniel Okafor", "Okafor Accountancy", 28, ProspectStage.WON, 14400,
     "Convert to a client and get the contract signed", "Tax season overloads the server",
     True),
    ("Isla Fraser", "Fraser Florists", 6, ProspectStage.LOST, 2400,
     "Went with a cheaper provider; try again in spring", "Laptop keeps getting viruses", True),
    ("Noah Evans", "Evans Joinery", 11, ProspectStage.LOST, 3600,
     "Not ready yet: revisit in six months", "Quotes software licence expired", True),
)


def _type(spec, staff_by_name) -> AppointmentType:
    slug, name, kind, minutes, before, after, notice, window, public, who, where = spec
    appointment_type = AppointmentType.objects.create(
        slug=slug, name=name, kind=kind, duration_minutes=minutes, buffer_before_minutes=before,
        buffer_after_minutes=after, minimum_notice_minutes=notice, booking_window_days=window,
        is_public=public, location=where, description=DESCRIPTIONS.get(slug, ""),
    )
    appointment_type.staff.set([staff_by_name[u] for u in who if u in staff_by_name])
    return appointment_type


def _book(kind: AppointmentType, staff, start: dt.datetime, *, people=(), prospect=None,
          client_id=None, created_by=None) -> Booking | None:
    def build(member):
        return Booking(
            appointment_type=kind, staff=member, client_id=client_id, prospect=prospect,
            location=kind.location, created_by=created_by,
            visitor_time_zone=people[0].time_zone if people else "Europe/London",
        )

    booking = services._place(kind, start, [staff], build)
    if booking is not None:
        services._attendees_for(booking, list(people), prospect)
    return booking


def _pick(rng: random.Random, kind: AppointmentType, staff, now: dt.datetime, *,
          after_days: int = 1) -> dt.datetime | None:
    # Two weeks ahead is plenty to choose from, and keeps the demo quick.
    slots = [
        s for s in available_slots(kind, now=now, staff=[staff], notice=dt.timedelta(0),
                                   window=dt.timedelta(days=after_days + 14))
        if s.start >= now + dt.timedelta(days=after_days)
    ]
    return rng.choice(slots[: max(1, len(slots) // 2)]).start if slots else None


def seed(context) -> str:
    rng = random.Random(context.seed * 7 + 3)  # noqa: S311 (demo data)  # nosec B311
    staff = context.staff
    now = context.now
    workers = [u for name, u in staff.items() if name != "maria"]
    with transaction.atomic():
        for member in workers:
            # Weekdays 09:00–17:00 in their own zone; Jo finishes early on Fridays.
            StaffHours.objects.bulk_create(
                StaffHours(staff=member, weekday=day, starts=dt.time(9),
                           ends=dt.time(15) if (member.username == "jo" and day == 4)
                           else dt.time(17))
                for day in range(5)
            )
        if "alex" in staff:
            holiday = (now + dt.timedelta(days=9)).replace(hour=0, minute=0, second=0,
                                                          microsecond=0)
            TimeOff.objects.create(staff=staff["alex"], starts_at=holiday,
                                   ends_at=holiday + dt.timedelta(days=2), reason="Annual leave")
        kinds = {spec[0]: _type(spec, staff) for spec in TYPES}
        review, visit = kinds["quarterly-review"], kinds["on-site-visit"]
        remote, consultation = kinds["remote-session"], kinds["diagnostic-consultation"]

        bosses = list(
            Person.objects.with_role(StakeholderRole.DECISION_MAKER)
            .filter(is_active=True, client__is_active=True)
            .select_related("client", "client__account_manager")
            .order_by("client__name")[:40]
        )
        rng.shuffle(bosses)
        upcoming = past = 0
        for boss in bosses[:8]:
            manager = boss.client.account_manager or staff.get("sam")
            if manager is None or manager.username not in ("sam", "priya", "tom"):
                manager = staff.get("priya") or staff.get("sam")
            start = _pick(rng, review, manager, now)
            if start and _book(review, manager, start, people=[boss], client_id=boss.client_id,
                               created_by=manager):
                upcoming += 1
        for boss in bosses[8:12]:
            tech = staff.get(rng.choice(["alex", "jo"]))
            if tech is None:
                continue
            kind = rng.choice([visit, remote])
            start = _pick(rng, kind, tech, now, after_days=rng.randint(1, 5))
            if start and _book(kind, tech, start, people=[boss], client_id=boss.client_id,
                               created_by=tech):
                upcoming += 1
        # Past reviews with their outcomes (the happiness engine sees them as meeting signals).
        for boss in bosses[12:14]:
            manager = staff.get("priya") or staff.get("sam")
            start = _pick(rng, review, manager, now - dt.timedelta(days=rng.randint(10, 40)))
            if not start or start >= now:
                continue
            booking = _book(review, manager, start, people=[boss], client_id=boss.client_id,
                            created_by=manager)
            if booking is None:
                continue
            past += 1
            items = []
            for attendee in booking.attendees.select_related("person"):
                rating = rng.choice([3, 4, 4, 5, 2])
                items.append(services.OutcomeInput(
                    attendee=attendee, attended=True, rating=rating,
                    note="Talked through the renewal and the backup plan",
                ))
            services.record_outcomes(booking, items, by=manager, now=start + review.duration)

        domains = ("co.uk", "com", "uk")
        prospects = []
        for n, (name, company, heads, stage, value, step, problem, boss) in enumerate(PROSPECTS):
            slug = "".join(c for c in company.lower().split(" ")[0] if c.isalnum())
            prospects.append(Prospect(
                name=name, company=company, headcount=heads, stage=stage,
                value=Decimal(value), next_step=step, problem=problem, runs_company=boss,
                email=f"{name.split()[0].lower()}@{slug}.{domains[n % 3]}".replace("..", "."),
                phone=f"+44 20 7946 0{n:03d}", owner=staff.get("priya") or staff.get("sam"),
            ))
        Prospect.objects.bulk_create(prospects)
        booked = 0
        for prospect in Prospect.objects.filter(stage=ProspectStage.CONSULTATION_BOOKED):
            member = staff.get(rng.choice(["sam", "priya", "tom"]))
            if member is None:
                continue
            start = _pick(rng, consultation, member, now, after_days=2)
            if start and _book(consultation, member, start, prospect=prospect):
                booked += 1
    return (
        f"scheduling: {len(TYPES)} appointment types, hours for {len(workers)} staff, "
        f"{upcoming} upcoming reviews and visits, {past} past reviews with outcomes, "
        f"{len(PROSPECTS)} prospects ({booked} consultations booked); /book/ is open"
    )


def delete() -> None:
    Attendee.objects.all().delete()
    Booking.objects.all().delete()
    Prospect.objects.all().delete()
    TimeOff.objects.all().delete()
    StaffHours.objects.all().delete()
    CalendarFeed.objects.all().delete()
    AppointmentType.objects.all().delete()
