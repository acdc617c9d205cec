"""The people every test can use: staff of each role, and people at two different clients.

Acme Dental has the full stakeholder cast (boss, PA, financial director, complainer and one
plain user); Birch & Co is the other client, so every scoping test has someone to keep out.
Acme's boss has one open ticket (cast.ticket), assigned to the technician.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from goodwill.accounts.models import StaffRole, User
from goodwill.clients.models import Client, Person, PersonRole, Site, StakeholderRole
from goodwill.contracts.models import (
    BusinessCalendar,
    BusinessHours,
    Contract,
    ContractState,
    SLAPolicy,
    SLATarget,
)
from goodwill.desk.models import Channel, Ticket
from goodwill.desk.services import open_ticket

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (test personas only)


@dataclass
class Cast:
    owner: User
    manager: User
    tech: User
    bookkeeper: User
    acme: Client
    birch: Client
    acme_site: Site
    boss: Person
    pa: Person
    fd: Person
    complainer: Person
    acme_user: Person
    birch_boss: Person
    birch_user: Person
    calendar: BusinessCalendar
    policy: SLAPolicy
    acme_contract: Contract
    birch_contract: Contract
    ticket: Ticket  # Acme's boss: "VPN down for the whole office", assigned to the tech


def make_staff(username: str, role: str, first: str, last: str) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@provider.test",
        first_name=first,
        last_name=last,
        role=role,
    )


def give_role(person: Person, role: str) -> PersonRole:
    return PersonRole.objects.create(person=person, client=person.client, role=role)


def make_cast() -> Cast:
    today = timezone.localdate()
    owner = make_staff("olivia", StaffRole.OWNER, "Olivia", "Owner")
    manager = make_staff("adam", StaffRole.ACCOUNT_MANAGER, "Adam", "Manager")
    tech = make_staff("tess", StaffRole.TECHNICIAN, "Tess", "Tech")
    bookkeeper = make_staff("bea", StaffRole.BOOKKEEPER, "Bea", "Books")

    acme = Client.objects.create(
        name="Acme Dental", email_domains="acme.test", account_manager=manager
    )
    birch = Client.objects.create(name="Birch & Co", email_domains="birch.test")
    acme_site = Site.objects.create(client=acme, name="Head office", is_primary=True)

    def person(client: Client, first: str, last: str, **extra: object) -> Person:
        domain = client.domain_list[0]
        return Person.objects.create(
            client=client,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}@{domain}",
            **extra,
        )

    boss = person(acme, "Maria", "Shaw", job_title="Managing director")
    pa = person(acme, "Tom", "Ito", job_title="PA to the MD")
    fd = person(acme, "Ana", "Costa", job_title="Finance director")
    complainer = person(acme, "Dave", "Lund", job_title="Receptionist")
    acme_user = person(acme, "Priya", "Nair", job_title="Dental nurse")
    birch_boss = person(birch, "Bill", "Birch", job_title="Owner")
    birch_user = person(birch, "Beth", "Oak")
    give_role(boss, StakeholderRole.DECISION_MAKER)
    give_role(pa, StakeholderRole.GATEKEEPER)
    give_role(fd, StakeholderRole.BILLING)
    give_role(complainer, StakeholderRole.COMPLAINER)
    give_role(birch_boss, StakeholderRole.DECISION_MAKER)

    calendar = BusinessCalendar.objects.create(
        name="UK office hours", time_zone="Europe/London", country="GB", subdivision="ENG"
    )
    for weekday in range(5):
        BusinessHours.objects.create(
            calendar=calendar, weekday=weekday, opens=dt.time(9), closes=dt.time(17, 30)
        )
    policy = SLAPolicy.objects.create(name="Standard", calendar=calendar)
    for priority, first, resolve in (
        ("P1", 60, 240),
        ("P2", 120, 960),
        ("P3", 240, 2400),
        ("P4", 480, 4800),
    ):
        SLATarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            resolution_minutes=resolve,
        )

    acme_contract = Contract.objects.create(
        client=acme,
        state=ContractState.ACTIVE,
        start_date=today - dt.timedelta(days=200),
        end_date=today + dt.timedelta(days=165),
        renewal_date=today + dt.timedelta(days=165),
        notice_days=30,
        fee=Decimal("2500.00"),
        currency="GBP",
        included_hours=Decimal("20"),
        sla_policy=policy,
    )
    birch_contract = Contract.objects.create(
        client=birch,
        state=ContractState.ACTIVE,
        start_date=today - dt.timedelta(days=340),
        end_date=today + dt.timedelta(days=25),
        renewal_date=today + dt.timedelta(days=25),
        notice_days=30,
        fee=Decimal("4500.00"),
        currency="GBP",
        billing_cycle="quarterly",
        sla_policy=policy,
    )
    ticket = open_ticket(
        requester=boss,
        subject="VPN down for the whole office",
        body="Nobody can reach the practice system from home since this morning.",
        impact=1,
        urgency=2,
        channel=Channel.EMAIL,
        assignee=tech,
    )
    return Cast(
        owner=owner,
        manager=manager,
        tech=tech,
        bookkeeper=bookkeeper,
        acme=acme,
        birch=birch,
        acme_site=acme_site,
        boss=boss,
        pa=pa,
        fd=fd,
        complainer=complainer,
        acme_user=acme_user,
        birch_boss=birch_boss,
        birch_user=birch_user,
        calendar=calendar,
        policy=policy,
        acme_contract=acme_contract,
        birch_contract=birch_contract,
        ticket=ticket,
    )
