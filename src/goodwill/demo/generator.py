"""The demo portfolio: a realistic, reproducible set of clients, people, contracts and staff.

Everything is drawn from one `random.Random(seed)` and dated relative to a reference day (today
unless given), so the same seed on the same day gives the same data, and the contract statuses
spread as intended whenever it is run. The whole portfolio is planned in memory first, then
written with `bulk_create` in batches inside one transaction: no query per row.

Call `generate(DemoOptions(...))`; `goodwill demo` is a thin wrapper around it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import re
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone
from tqdm import tqdm

from goodwill.accounts.models import StaffRole, User
from goodwill.clients.models import Client, Person, PersonRole, RoleSource, Site, StakeholderRole
from goodwill.contracts.models import (
    BillingCycle,
    BusinessCalendar,
    BusinessHours,
    Closure,
    Contract,
    ContractState,
    ContractStatus,
    SLAPolicy,
    SLATarget,
)
from goodwill.contracts.services import add_months
from goodwill.contracts.status import with_status
from goodwill.core.choices import Priority
from goodwill.demo import words
from goodwill.demo.tickets import (
    TICKETS_PER_CLIENT,
    DeskResult,
    Portfolio,
    describe,
    generate_desk,
    sqlite_bulk_session,
)
from goodwill.desk.models import (
    Asset,
    Attachment,
    Message,
    RecurringTicket,
    Ticket,
    TicketEvent,
    TimeEntry,
)

LOGINS_FILE = "demo-logins.txt"
PEOPLE_PER_CLIENT = 8
BATCH_SIZE = 500
PROVIDER_DOMAIN = "northgate-it.example"


class DemoDataExists(Exception):
    """The database already holds clients and the caller did not ask for a reset."""


@dataclass(frozen=True)
class DemoOptions:
    clients: int = 30
    people: int | None = None  # total across the portfolio; None: PEOPLE_PER_CLIENT per client
    seed: int = 42
    reset: bool = False
    today: dt.date | None = None  # the reference day every date is relative to
    progress: bool = False  # draw a tqdm bar on stderr
    write_logins: bool = True  # write DATA_DIR/demo-logins.txt
    tickets: int | None = None  # over the last year; None: TICKETS_PER_CLIENT per client
    # The moment ticket times are relative to: now, or noon on `today` when that is given.
    now: dt.datetime | None = None
    workers: int | None = None  # processes planning tickets; None: by size and cores
    extras: bool = True  # the other apps' demo data (mail, billing, scheduling, happiness…)

    @property
    def people_total(self) -> int:
        return self.clients * PEOPLE_PER_CLIENT if self.people is None else self.people

    @property
    def tickets_total(self) -> int:
        return self.clients * TICKETS_PER_CLIENT if self.tickets is None else self.tickets


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    role: str


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("sam", "Sam", "Taylor", StaffRole.OWNER),
    StaffSpec("priya", "Priya", "Shah", StaffRole.ACCOUNT_MANAGER),
    StaffSpec("tom", "Tom", "Fletcher", StaffRole.ACCOUNT_MANAGER),
    StaffSpec("alex", "Alex", "Morgan", StaffRole.TECHNICIAN),
    StaffSpec("jo", "Jo", "Bennett", StaffRole.TECHNICIAN),
    StaffSpec("maria", "Maria", "Lopez", StaffRole.BOOKKEEPER),
)


@dataclass
class DemoResult:
    clients: int = 0
    sites: int = 0
    people: int = 0
    roles: int = 0
    contracts: int = 0
    staff: list[StaffSpec] = field(default_factory=list)
    password: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    roles_by_kind: dict[str, int] = field(default_factory=dict)
    logins_path: Path | None = None
    elapsed: float = 0.0
    desk: DeskResult = field(default_factory=DeskResult)
    extensions: list[str] = field(default_factory=list)  # one summary line per extension

    @property
    def rows(self) -> int:
        portfolio = self.clients + self.sites + self.people + self.roles + self.contracts
        return portfolio + self.desk.rows


# --- Service levels ----------------------------------------------------------------------------

UK_CALENDAR = "UK office hours"
IE_CALENDAR = "Ireland office hours"
ESSENTIAL, STANDARD, PREMIUM, STANDARD_IE = "Essential", "Standard", "Premium", "Standard (Ireland)"

# priority → (first response, resolution, key first response, key resolution), business minutes
Targets = dict[str, tuple[int, int, int | None, int | None]]
SLA_POLICIES: dict[str, tuple[str, str, Targets]] = {
    ESSENTIAL: (
        UK_CALENDAR,
        "Best-effort cover for small offices: next-business-day response on routine requests.",
        {
            Priority.P1: (120, 960, None, None),
            Priority.P2: (240, 1920, None, None),
            Priority.P3: (480, 4800, None, None),
            Priority.P4: (960, 9600, None, None),
        },
    ),
    STANDARD: (
        UK_CALENDAR,
        "Our usual cover: a one-hour response to anything that stops work.",
        {
            Priority.P1: (60, 480, None, None),
            Priority.P2: (120, 960, None, None),
            Priority.P3: (240, 2400, None, None),
            Priority.P4: (480, 4800, None, None),
        },
    ),
    PREMIUM: (
        UK_CALENDAR,
        "Fast cover, and faster still for the boss, the PA and the financial director.",
        {
            Priority.P1: (15, 240, 10, 120),
            Priority.P2: (30, 480, 15, 240),
            Priority.P3: (60, 960, 30, 480),
            Priority.P4: (240, 2400, 120, 960),
        },
    ),
    STANDARD_IE: (
        IE_CALENDAR,
        "Standard cover on Irish working days.",
        {
            Priority.P1: (60, 480, None, None),
            Priority.P2: (120, 960, None, None),
            Priority.P3: (240, 2400, None, None),
            Priority.P4: (480, 4800, None, None),
        },
    ),
}

# name → (time zone, country, subdivision, opens, closes, Christmas closure)
CALENDARS: dict[str, tuple[str, str, str, dt.time, dt.time, bool]] = {
    UK_CALENDAR: ("Europe/London", "GB", "ENG", dt.time(8, 30), dt.time(17, 30), True),
    IE_CALENDAR: ("Europe/Dublin", "IE", "", dt.time(9, 0), dt.time(17, 30), False),
}


def _service_levels(today: dt.date) -> dict[str, SLAPolicy]:
    """The calendars and policies, reused by name when they already exist (a handful of rows)."""
    calendars: dict[str, BusinessCalendar] = {}
    for name, (tz, country, subdivision, opens, closes, christmas) in CALENDARS.items():
        cal, created = BusinessCalendar.objects.get_or_create(
            name=name, defaults={"time_zone": tz, "country": country, "subdivision": subdivision}
        )
        calendars[name] = cal
        if not created:
            continue
        BusinessHours.objects.bulk_create(
            BusinessHours(calendar=cal, weekday=day, opens=opens, closes=closes)
            for day in range(5)
        )
        if christmas:
            Closure.objects.bulk_create(
                Closure(
                    calendar=cal,
                    name=f"Christmas shutdown {year}",
                    start_date=dt.date(year, 12, 24),
                    end_date=dt.date(year + 1, 1, 1),
                )
                for year in range(today.year - 1, today.year + 2)
            )
    policies: dict[str, SLAPolicy] = {}
    for name, (cal_name, description, targets) in SLA_POLICIES.items():
        policy, created = SLAPolicy.objects.get_or_create(
            name=name, defaults={"calendar": calendars[cal_name], "description": description}
        )
        policies[name] = policy
        if created:
            SLATarget.objects.bulk_create(
                SLATarget(
                    policy=policy,
                    priority=priority,
                    first_response_minutes=first,
                    resolution_minutes=resolution,
                    key_first_response_minutes=key_first,
                    key_resolution_minutes=key_resolution,
                )
                for priority, (first, resolution, key_first, key_resolution) in targets.items()
            )
    return policies


# --- Staff -------------------------------------------------------------------------------------


def _staff(password_hash: str) -> dict[str, User]:
    usernames = [s.username for s in STAFF]
    existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
    users: dict[str, User] = {}
    for spec in STAFF:
        user = existing.get(spec.username) or User(username=spec.username)
        user.first_name, user.last_name, user.role = spec.first_name, spec.last_name, spec.role
        user.email = f"{spec.username}@{PROVIDER_DOMAIN}"
        user.password = password_hash
        user.is_active = True
        user.is_staff = spec.role == StaffRole.OWNER  # the owner may use the Django admin
        user.save()
        users[spec.username] = user
    return users


# --- Planning helpers --------------------------------------------------------------------------

T = TypeVar("T")


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder); at least 1 each if possible."""
    if not weights:
        return []
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    sizes = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (sizes[i] - raw[i], i))
    for i in by_remainder[: total - sum(sizes)]:
        sizes[i] += 1
    if total >= len(sizes):
        for i, size in enumerate(sizes):
            if size == 0:
                donor = max(range(len(sizes)), key=lambda j: (sizes[j], -j))
                sizes[donor] -= 1
                sizes[i] = 1
    return sizes


_STOP_WORDS = {"llp", "and", "co", "the", "of", "st", "s", "school", "practice"}


def _slug(name: str) -> str:
    parts = [w for w in re.findall(r"[a-z0-9]+", name.lower().replace("'", "")) if w]
    kept = [w for w in parts if w not in _STOP_WORDS] or parts
    return "".join(kept[:3])[:28]


def _local_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


class _Planner:
    """Draws the whole portfolio from one random stream. No database access."""

    def __init__(self, options: DemoOptions, today: dt.date) -> None:
        self.rng = random.Random(options.seed)  # demo data, not security  # nosec B311
        self.options = options
        self.today = today
        self.tz = timezone.get_current_timezone()
        self.names: set[str] = set()
        self.domains: set[str] = set()
        self.emails: set[str] = set()

    # small helpers
    def pick(self, seq: Sequence[T]) -> T:
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def past_moment(self, max_days: int, min_days: int = 1) -> dt.datetime:
        day = self.today - dt.timedelta(days=self.rng.randint(min_days, max_days))
        clock = dt.time(self.rng.randint(8, 17), self.rng.randrange(60))
        return dt.datetime.combine(day, clock, tzinfo=self.tz)

    def phone(self, irish: bool, area: str) -> str:
        digits = f"{self.rng.randrange(1000):03d}"
        return f"{words.IE_PHONE_PREFIX}{digits}" if irish else f"{area}{digits}"

    def mobile(self, irish: bool) -> str:
        digits = f"{self.rng.randrange(1000):03d}"
        return f"{words.IE_MOBILE_PREFIX}{digits}" if irish else f"{words.UK_MOBILE_PREFIX}{digits}"

    def address(self, town: str, irish: bool) -> str:
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        street = f"{self.rng.randint(1, 180)} {self.pick(words.STREETS)}"
        if irish:
            code = f"{self.pick('ACDEFHKNPRTVWXY')}{self.rng.randint(10, 99)} "
            code += "".join(self.pick(letters + "0123456789") for _ in range(4))
            return f"{street}\n{town}\n{code}\nIreland"
        area = "".join(self.pick(letters) for _ in range(2))
        code = f"{area}{self.rng.randint(1, 29)} {self.rng.randint(1, 9)}{self.pick(letters)}"
        return f"{street}\n{town}\n{code}{self.pick(letters)}"

    # clients
    def client_name(self, sector: words.Sector, irish: bool) -> tuple[str, str]:
        places = words.IRISH_PLACES if irish else words.PLACES
        for attempt in range(60):
            last, last2 = self.rng.sample(words.LAST_NAMES, 2)
            word, word2 = self.rng.sample(words.WORDS, 2)
            place = self.pick(places)
            name = self.pick(sector.name_patterns).format(
                place=place, last=last, last2=last2, word=word, word2=word2,
                saint=self.pick(words.SAINTS),
            )
            if attempt >= 20:
                name = f"{name} ({self.pick(places)})"
            if attempt >= 40:
                name = f"{name} {attempt}"
            if name.lower() not in self.names:
                self.names.add(name.lower())
                return name, place
        raise RuntimeError("Could not find a unique client name")  # pragma: no cover

    def domain(self, name: str) -> str:
        slug = _slug(name) or "client"
        candidate, n = slug, 1
        while f"{candidate}.example" in self.domains:
            n += 1
            candidate = f"{slug}{n}"
        self.domains.add(f"{candidate}.example")
        return f"{candidate}.example"

    def email(self, first: str, last: str, domain: str) -> str:
        f, la = _local_part(first), _local_part(last)
        candidates = itertools.chain(
            (f"{f}.{la}", f"{f[0]}.{la}", f"{f}{la[:1]}"),
            (f"{f}.{la}{n}" for n in itertools.count(2)),
        )
        for local in candidates:
            address = f"{local}@{domain}"
            if address not in self.emails:
                self.emails.add(address)
                return address
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class _Cast:
    """Which stakeholder roles one client's key people hold."""

    boss: bool = True
    pa: bool = False
    billing: bool = False
    boss_is_billing: bool = False
    complainer: bool = False


@dataclass
class _Plan:
    clients: list[Client] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    roles: list[PersonRole] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    contract_sites: list[tuple[Contract, Site]] = field(default_factory=list)
    policy_names: dict[int, str] = field(default_factory=dict)  # id(contract) → SLA policy


# Size classes of a client: (weight of a share of the people, probability).
SIZE_CLASSES: tuple[tuple[float, float], ...] = ((1.5, 0.2), (5.0, 0.35), (9.0, 0.3), (18.0, 0.15))
PRIMARY_STATUSES: tuple[tuple[str, int], ...] = (
    (ContractStatus.ACTIVE, 52),
    (ContractStatus.RENEWAL_DUE, 16),
    (ContractStatus.LAPSED, 9),
    (ContractStatus.CANCELLED, 8),
    (ContractStatus.DRAFT, 7),
)
# One client of each, when there are enough clients: every status shows up in every demo.
GUARANTEED_STATUSES: tuple[str, ...] = (
    ContractStatus.ACTIVE,
    ContractStatus.RENEWAL_DUE,
    ContractStatus.RENEWED,
    ContractStatus.LAPSED,
    ContractStatus.CANCELLED,
    ContractStatus.DRAFT,
)
CANCEL_REASONS: tuple[str, ...] = (
    "Moved IT in-house.",
    "Merged with another practice; their provider took over.",
    "Closed the office.",
    "Went with a cheaper provider after the fee review.",
)


def _plan(options: DemoOptions, today: dt.date, staff: dict[str, User]) -> _Plan:
    p = _Planner(options, today)
    rng = p.rng
    plan = _Plan()
    n_clients = options.clients

    # 1. Who the clients are and how many people each has.
    size_weights = [w for w, _ in SIZE_CLASSES]
    size_probs = [q for _, q in SIZE_CLASSES]
    weights = [rng.choices(size_weights, size_probs)[0] * rng.uniform(0.8, 1.25)
               for _ in range(n_clients)]
    sizes = _allocate(options.people_total, weights)

    # 2. Scenarios forced on a few clients so every role and status shows up.
    order = list(range(n_clients))
    rng.shuffle(order)
    forced_status = dict(zip(order, GUARANTEED_STATUSES, strict=False))
    forced_cast: dict[int, _Cast] = {}
    if n_clients:
        by_size = sorted(range(n_clients), key=lambda i: (sizes[i], i))
        forced_cast[by_size[-1]] = _Cast(pa=True, billing=True, complainer=True)
        if n_clients > 1:
            forced_cast[by_size[0]] = _Cast(billing=True, boss_is_billing=True)
        if n_clients > 2:
            forced_cast[by_size[n_clients // 2]] = _Cast(pa=True, complainer=False)

    managers = [staff["priya"], staff["tom"]]
    sectors = words.SECTORS
    sector_weights = [s.weight for s in sectors]

    for index in range(n_clients):
        n = sizes[index]
        sector = rng.choices(sectors, sector_weights)[0]
        irish = rng.random() < 0.08
        name, town = p.client_name(sector, irish)
        domain = p.domain(name)
        area = "" if irish else p.pick(words.UK_AREA_CODES)
        manager = staff["sam"] if p.chance(0.15) else p.pick(managers)
        client = Client(
            name=name,
            email_domains=domain,
            phone=p.phone(irish, area),
            website=f"https://www.{domain}/",
            address=p.address(town, irish),
            country="IE" if irish else "GB",
            account_manager=manager,
        )
        plan.clients.append(client)

        # Sites
        n_sites = 1 if n <= 3 else rng.choices((1, 2, 3), (60, 28, 12))[0]
        home_tz = "Europe/Dublin" if irish else "Europe/London"
        site_specs: list[tuple[str, str, str, str]] = [("Head office", town, home_tz, "en")]
        for _ in range(n_sites - 1):
            if not irish and p.chance(0.3):
                site_name, tz, language = p.pick(words.FOREIGN_SITES)
                site_specs.append((site_name, site_name.split()[0], tz, language))
            else:
                other = p.pick(words.IRISH_PLACES if irish else words.PLACES)
                site_specs.append((f"{other} {p.pick(words.SECOND_SITE_NAMES).lower()}",
                                   other, home_tz, "en"))
        sites: list[Site] = []
        languages: list[str] = []
        for i, (site_name, site_town, tz, language) in enumerate(site_specs):
            if any(s.name == site_name for s in sites):
                continue
            sites.append(
                Site(
                    client=client,
                    name=site_name,
                    address=client.address if i == 0 else p.address(site_town, irish),
                    time_zone=tz,
                    is_primary=i == 0,
                )
            )
            languages.append(language)
        plan.sites.extend(sites)

        # The cast of stakeholders
        cast = forced_cast.get(index)
        if cast is None:
            cast = _Cast(boss=not (n > 3 and p.chance(0.03)))
            if n <= 3:
                cast.boss_is_billing = cast.boss and p.chance(0.35)
                cast.billing = cast.boss_is_billing or (n >= 2 and p.chance(0.3))
                cast.pa = n >= 3 and p.chance(0.3)
            else:
                cast.pa = p.chance(0.65)
                cast.billing = p.chance(0.8)
            cast.complainer = n >= 3 and p.chance(0.3)
        key_roles: list[list[str]] = []
        if cast.boss:
            key_roles.append([StakeholderRole.DECISION_MAKER])
            if cast.boss_is_billing:
                key_roles[-1].append(StakeholderRole.BILLING)
        if cast.pa:
            key_roles.append([StakeholderRole.GATEKEEPER])
        if cast.billing and not cast.boss_is_billing:
            key_roles.append([StakeholderRole.BILLING])
        if cast.complainer:
            key_roles.append([StakeholderRole.COMPLAINER])
        key_roles = key_roles[:n]

        # People
        for i in range(n):
            roles = key_roles[i] if i < len(key_roles) else []
            first, last = p.pick(words.FIRST_NAMES), p.pick(words.LAST_NAMES)
            if StakeholderRole.DECISION_MAKER in roles:
                title = (
                    "Director" if StakeholderRole.BILLING in roles else p.pick(sector.boss_titles)
                )
            elif StakeholderRole.GATEKEEPER in roles:
                title = p.pick(sector.pa_titles)
            elif StakeholderRole.BILLING in roles:
                title = p.pick(sector.billing_titles)
            else:
                title = p.pick(sector.staff_titles)
            site_index = 0 if i == 0 or len(sites) == 1 or p.chance(0.6) else (
                rng.randrange(1, len(sites))
            )
            site = sites[site_index]
            key = bool(roles) and StakeholderRole.COMPLAINER not in roles
            active = bool(roles) or not p.chance(0.05)
            language = languages[site_index] if p.chance(0.8) else "en"
            person = Person(
                client=client,
                site=site,
                first_name=first,
                last_name=last,
                email=p.email(first, last, domain),
                job_title=title,
                phone=p.phone(irish, area) if p.chance(0.8) else "",
                mobile=p.mobile(irish) if key or p.chance(0.4) else "",
                time_zone=site.time_zone,
                language=language,
                portal_access=active and p.chance(0.6 if key else 0.3),
                is_active=active,
                last_contact_at=(
                    p.past_moment(120) if active and p.chance(0.9 if roles else 0.55) else None
                ),
                notes="Left the company." if not active else "",
            )
            plan.people.append(person)
            for role in roles:
                plan.roles.append(
                    PersonRole(
                        person=person,
                        client=client,
                        role=role,
                        source=RoleSource.STAFF,
                        confirmed_at=p.past_moment(700),
                        assigned_by=manager,
                    )
                )

        # Contracts
        status = forced_status.get(index)
        if status is None:
            status = rng.choices([s for s, _ in PRIMARY_STATUSES],
                                 [w for _, w in PRIMARY_STATUSES])[0]
        contracts = _contracts_for(p, status, n, irish)
        for contract, policy_name in contracts:
            contract.client = client
            plan.contracts.append(contract)
            plan.policy_names[id(contract)] = policy_name
        if status == ContractStatus.CANCELLED and p.chance(0.5):
            client.is_active = False
            client.notes = "Former client."
        if len(sites) > 1 and p.chance(0.2):
            plan.contract_sites.append((contracts[0][0], sites[0]))
    return plan


def _contracts_for(
    p: _Planner, status: str, n_people: int, irish: bool
) -> list[tuple[Contract, str]]:
    """The contracts of one client whose main contract should have `status` today."""
    rng, today = p.rng, p.today
    monthly = 300 + n_people * rng.uniform(45, 110) + rng.uniform(0, 400)
    monthly = min(6000, max(300, round(monthly / 25) * 25))
    cycle = rng.choices(
        (BillingCycle.MONTHLY, BillingCycle.QUARTERLY, BillingCycle.YEARLY), (60, 25, 15)
    )[0]
    months = {BillingCycle.MONTHLY: 1, BillingCycle.QUARTERLY: 3, BillingCycle.YEARLY: 12}[cycle]
    term = rng.choices((12, 24, 36), (60, 25, 15))[0]
    notice = rng.choices((30, 60, 90), (50, 30, 20))[0]
    if irish:
        policy = STANDARD_IE
    elif monthly >= 2500 and p.chance(0.7):
        policy = PREMIUM
    elif monthly < 800 and p.chance(0.7):
        policy = ESSENTIAL
    else:
        policy = STANDARD
    seats = 0 if p.chance(0.15) else max(5, -(-n_people // 5) * 5 + rng.choice((0, 0, 5)))
    contract = Contract(
        name=p.pick(words.CONTRACT_NAMES),
        state=ContractState.ACTIVE,
        term_months=term,
        notice_days=notice,
        auto_renew=p.chance(0.3),
        fee=Decimal(monthly * months),
        billing_cycle=cycle,
        included_hours=Decimal(0 if policy == ESSENTIAL else round(monthly / 120 * months)),
        seats=seats,
    )

    def set_term(renewal: dt.date) -> None:
        contract.renewal_date = renewal
        contract.end_date = renewal - dt.timedelta(days=1)
        contract.start_date = add_months(renewal, -term)

    main_status = ContractStatus.ACTIVE if status == ContractStatus.RENEWED else status
    if main_status == ContractStatus.ACTIVE:
        if contract.auto_renew and p.chance(0.25):
            # Rolled over on auto-renew: past its end date and still in force.
            set_term(today - dt.timedelta(days=rng.randint(5, 200)))
            contract.notes = "Rolling on auto-renew since the end of the term."
        else:
            latest = max(notice + 32, min(term * 30 - 1, notice + 32 + 330))
            set_term(today + dt.timedelta(days=rng.randint(notice + 32, latest)))
    elif main_status == ContractStatus.RENEWAL_DUE:
        set_term(today + dt.timedelta(days=rng.randint(1, notice + 30)))
    elif main_status == ContractStatus.LAPSED:
        contract.auto_renew = False
        set_term(today + dt.timedelta(days=rng.randint(-150, 0)))
        contract.notes = "Term ended without a renewal; still chasing the boss for a decision."
    elif main_status == ContractStatus.CANCELLED:
        contract.state = ContractState.CANCELLED
        contract.auto_renew = False
        set_term(today + dt.timedelta(days=rng.randint(-300, 200)))
        contract.notes = p.pick(CANCEL_REASONS)
    else:  # draft: a proposal for a prospect
        contract.state = ContractState.DRAFT
        contract.name = f"Proposal: {contract.name[0].lower()}{contract.name[1:]}"
        start = today + dt.timedelta(days=rng.randint(7, 60))
        set_term(add_months(start, term))
    contracts = [(contract, policy)]

    if status == ContractStatus.RENEWED or (
        main_status in (ContractStatus.ACTIVE, ContractStatus.RENEWAL_DUE) and p.chance(0.35)
    ):
        previous_term = rng.choice((12, 24))
        previous = Contract(
            name=contract.name,
            state=ContractState.RENEWED,
            start_date=add_months(contract.start_date, -previous_term),
            term_months=previous_term,
            end_date=contract.start_date - dt.timedelta(days=1),
            renewal_date=contract.start_date,
            notice_days=notice,
            auto_renew=contract.auto_renew,
            fee=Decimal(max(300, round(monthly * 0.92 / 5) * 5) * months),
            billing_cycle=cycle,
            included_hours=contract.included_hours,
            seats=seats,
            notes="Renewed on the current terms after the fee review.",
        )
        contracts.append((previous, policy))
    if main_status == ContractStatus.ACTIVE and not irish and policy != PREMIUM and p.chance(0.06):
        upgrade = Contract(
            name="Proposal: upgrade to Premium",
            state=ContractState.DRAFT,
            start_date=contract.renewal_date,
            term_months=24,
            end_date=add_months(contract.renewal_date, 24) - dt.timedelta(days=1),
            renewal_date=add_months(contract.renewal_date, 24),
            notice_days=60,
            fee=Decimal(min(6000, round(monthly * 1.3 / 25) * 25) * months),
            billing_cycle=cycle,
            included_hours=contract.included_hours,
            seats=seats,
        )
        contracts.append((upgrade, PREMIUM))
    return contracts


# --- Writing -----------------------------------------------------------------------------------


def _batches(items: Sequence[T], size: int = BATCH_SIZE) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bulk(model: type[models.Model], objs: Sequence[Any], bar: tqdm) -> None:
    bar.set_postfix_str(model._meta.verbose_name_plural)
    for batch in _batches(objs):
        model.objects.bulk_create(batch)
        bar.update(len(batch))


# --- Extensions ----------------------------------------------------------------------------------
# Apps built after the desk seed their own demo data in `goodwill/<app>/demo.py`:
#   seed(context: DemoContext) -> str   adds the app's data; returns one summary line
#   delete() -> None                    removes it (called by --reset before the clients go)
# They run in this order, after the portfolio and the tickets exist.
DEMO_EXTENSIONS = (
    "goodwill.mail.demo",
    "goodwill.mail.demo_outbox",
    "goodwill.billing.demo",
    "goodwill.scheduling.demo",
    "goodwill.happiness.demo",
    "goodwill.portal.demo",
    "goodwill.audit.demo",
)


@dataclass(frozen=True)
class DemoContext:
    now: dt.datetime
    today: dt.date
    seed: int
    staff: dict[str, User]  # by username
    progress: bool = False
    stderr: IO[str] | None = None


def _extensions() -> list[Any]:
    from importlib import import_module
    from importlib.util import find_spec

    return [import_module(name) for name in DEMO_EXTENSIONS if find_spec(name) is not None]


def delete_demo_data() -> None:
    """Remove the Goodwill data the demo creates: clients (with everything under them), SLA
    policies, calendars, and the demo staff accounts. Other user accounts are left alone."""
    for extension in reversed(_extensions()):
        extension.delete()
    _delete_desk()
    Contract.objects.all().delete()
    PersonRole.objects.all().delete()
    Person.objects.all().delete()
    Client.objects.all().delete()
    SLAPolicy.objects.all().delete()
    BusinessCalendar.objects.all().delete()
    User.objects.filter(username__in=[s.username for s in STAFF]).delete()


def _delete_desk() -> None:
    """Every ticket with its conversation, history and time, the schedules and the devices:
    with raw DELETEs, since the ORM's cascade would load a million tickets to delete them."""
    models_in_order = (
        Attachment, Ticket.tags.through, Message, TicketEvent, TimeEntry, Ticket,
        RecurringTicket, Asset,
    )  # fmt: skip
    with connection.cursor() as cursor:
        for model in models_in_order:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (model tables)  # nosec B608


def _reference_moment(options: DemoOptions) -> dt.datetime:
    if options.now is not None:
        return options.now
    if options.today is not None:
        noon = dt.datetime.combine(options.today, dt.time(12))
        return timezone.make_aware(noon, timezone.get_current_timezone())
    return timezone.now()


def generate(options: DemoOptions, stderr: IO[str] | None = None) -> DemoResult:
    """Create the demo portfolio. Raises DemoDataExists if clients exist and reset is off."""
    # Demo rows are nobody's change: no audit entries, and no row read back before each save.
    with sqlite_bulk_session(options.tickets_total), disable_auditlog():
        return _generate(options, stderr)


def _generate(options: DemoOptions, stderr: IO[str] | None = None) -> DemoResult:
    started = time.perf_counter()
    now = _reference_moment(options)
    today = options.today or timezone.localdate(now)
    password = secrets.token_urlsafe(12)
    password_hash = make_password(password)  # once: argon2 is slow on purpose
    result = DemoResult(staff=list(STAFF), password=password)

    with transaction.atomic():
        if options.reset:
            delete_demo_data()
        elif Client.objects.exists():
            raise DemoDataExists(
                "The database already has clients; the demo only seeds an empty portfolio. "
                "Run `goodwill demo --reset` to delete the existing clients, contracts, SLA "
                "policies and demo staff first."
            )
        staff = _staff(password_hash)
        policies = _service_levels(today)
        plan = _plan(options, today, staff)
        for contract in plan.contracts:
            contract.sla_policy = policies[plan.policy_names[id(contract)]]
            contract.refresh_derived_fields()
        through = Contract.sites.through
        total = (
            len(plan.clients) + len(plan.sites) + len(plan.people) + len(plan.roles)
            + len(plan.contracts) + len(plan.contract_sites)
        )
        with tqdm(
            total=total, desc="Demo data", unit="rows", file=stderr,
            disable=not options.progress, leave=False,
        ) as bar:
            _bulk(Client, plan.clients, bar)
            _bulk(Site, plan.sites, bar)
            _bulk(Person, plan.people, bar)
            _bulk(PersonRole, plan.roles, bar)
            _bulk(Contract, plan.contracts, bar)
            _bulk(
                through,
                [through(contract_id=c.pk, site_id=s.pk) for c, s in plan.contract_sites],
                bar,
            )
        result.desk = generate_desk(
            Portfolio(
                clients=plan.clients,
                sites=plan.sites,
                people=plan.people,
                roles=plan.roles,
                contracts=plan.contracts,
                staff=staff,
            ),
            tickets=options.tickets_total,
            seed=options.seed,
            now=now,
            tz=timezone.get_current_timezone(),
            workers=options.workers,
            progress=options.progress,
            stderr=stderr,
        )

        context = DemoContext(
            now=now, today=today, seed=options.seed, staff=staff,
            progress=options.progress, stderr=stderr,
        )
        if options.extras:
            result.extensions = [extension.seed(context) for extension in _extensions()]

        result.clients, result.sites = len(plan.clients), len(plan.sites)
        result.people, result.roles = len(plan.people), len(plan.roles)
        result.contracts = len(plan.contracts)
        result.roles_by_kind = dict(Counter(r.role for r in plan.roles))
        counts = (
            with_status(Contract.objects.all(), today)
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        found = dict(counts)
        result.statuses = {s: found.get(s, 0) for s in ContractStatus.values}

    if options.write_logins:
        result.logins_path = write_logins(result)
    result.elapsed = time.perf_counter() - started
    return result


def logins_text(result: DemoResult) -> str:
    port = os.environ.get("PORT", "8000")
    lines = [
        "Goodwill demo logins (every demo staff user has the same password)",
        f"URL:      http://127.0.0.1:{port}/",
        f"Password: {result.password}",
        "",
        f"{'username':<10} {'role':<17} {'name':<16} password",
    ]
    for spec in result.staff:
        role = StaffRole(spec.role).label
        name = f"{spec.first_name} {spec.last_name}"
        lines.append(f"{spec.username:<10} {role:<17} {name:<16} {result.password}")
    return "\n".join(lines) + "\n"


def write_logins(result: DemoResult) -> Path:
    """Write DATA_DIR/demo-logins.txt, readable by its owner only."""
    path = Path(settings.DATA_DIR) / LOGINS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(logins_text(result))
    path.chmod(0o600)
    return path


def summary_text(result: DemoResult) -> str:
    statuses = ", ".join(
        f"{ContractStatus(s).label.lower()} {n}" for s, n in result.statuses.items()
    )
    roles = ", ".join(
        f"{StakeholderRole(r).label.lower()} {result.roles_by_kind.get(r, 0)}"
        for r in StakeholderRole.values
    )
    return (
        f"Demo portfolio: {result.clients} clients, {result.sites} sites, "
        f"{result.people} people, {result.roles} stakeholder roles ({roles}), "
        f"{result.contracts} contracts ({statuses}), {len(result.staff)} staff users.\n"
        f"{describe(result.desk)}\n"
        + "".join(f"{line}\n" for line in result.extensions if line)
        + f"Done in {result.elapsed:.1f} s."
    )
