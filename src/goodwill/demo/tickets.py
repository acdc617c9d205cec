"""A year of demo tickets, fast enough for a million: the service desk half of `goodwill demo`.

Planned from the portfolio the generator has just written (clients, people, roles, contracts,
staff), in chunks of CHUNK tickets. Each chunk draws from its own `random.Random` seeded by
(seed, chunk), and every date is relative to one reference moment, so the same seed at the same
moment gives the same tickets, chunk by chunk. Rows are built as plain tuples and written with
`executemany` INSERTs (the ORM's bulk_create manages a few thousand rows a second; this writes
hundreds of thousands), with explicit primary keys: ticket numbers follow them
(Ticket.number = pk + NUMBER_OFFSET, as desk.services.open_ticket does) and message k of ticket
i gets id i * MESSAGE_SLOTS + k.

On SQLite the desk tables' secondary indexes and the full-text triggers are dropped for the load
and put back at the end (one sorted build per index instead of millions of random B-tree
inserts), and the FTS5 tables are rebuilt once. It all happens inside the caller's transaction:
SQLite's schema changes are transactional, so a failed load leaves the schema as it was.

How a ticket lives: the requester writes (by e-mail, the portal, the phone…); a technician
picks it up and replies within the SLA-ish delay of its priority (in office hours); the
conversation goes on (questions, answers, internal notes, a wait on the client or a supplier);
the technician fixes it, logs time and resolves it; three days later it closes. The timeline
is cut at the reference moment, so recent tickets are naturally still open at whatever status
they had reached, and their SLA cache is computed by desk.sla.refresh, like any ticket.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import multiprocessing
import os
import random
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import connection, models
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from tqdm import tqdm

from goodwill.accounts.models import StaffRole, User
from goodwill.clients.models import Client, Person, PersonRole, Site, StakeholderRole
from goodwill.contracts.models import Contract, ContractState
from goodwill.core.choices import Priority
from goodwill.demo import ticket_words as tw
from goodwill.demo import words
from goodwill.desk import sla
from goodwill.desk.models import (
    NUMBER_OFFSET,
    OPEN_STATUSES,
    PRIORITY_MATRIX,
    Asset,
    AssetType,
    Category,
    Channel,
    EventKind,
    Frequency,
    Message,
    RecurringTicket,
    Tag,
    Ticket,
    TicketEvent,
    TicketStatus,
    TimeEntry,
)

CHUNK = 20_000  # tickets planned and written at a time (bounded memory)
MESSAGE_SLOTS = 6  # at most this many messages per ticket: message ids derive from ticket ids
TICKETS_PER_CLIENT = 50  # the plain demo: 1,500 tickets for 30 clients
DAYS = 365
RECURRING_SHARE = 1 / 3  # of the clients under contract get a monthly backup check
RECURRING_MAX_SHARE = 0.1  # of all tickets, at most, are past backup checks

# Who raises tickets: a weight per person, by their weightiest role.
REQUESTER_WEIGHTS = {
    StakeholderRole.DECISION_MAKER: 0.4,
    StakeholderRole.GATEKEEPER: 0.5,
    StakeholderRole.BILLING: 0.4,
    StakeholderRole.COMPLAINER: 10.0,
    "": 1.0,
}
LEFT_COMPANY_WEIGHT = 0.2
# 1–6 messages, about 3.6 on average.
MESSAGE_COUNTS = (1, 2, 3, 4, 5, 6)
MESSAGE_COUNT_WEIGHTS = (5, 18, 25, 22, 16, 14)
CHANNELS = (Channel.EMAIL, Channel.PORTAL, Channel.PHONE, Channel.STAFF)
CHANNEL_WEIGHTS = (55, 25, 15, 5)
TIME_MINUTES = (15, 15, 20, 30, 30, 30, 45, 45, 60, 60, 75, 90, 120, 150, 180)
BILLABLE_SHARE = 0.08
CLOSE_AFTER = 3 * 86400  # resolved tickets close after three days without a word
OPENS, CLOSES = 8 * 3600 + 1800, 17 * 3600 + 1800  # the office day, local time
HOUR_WEIGHTS = (
    0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.3, 1.0, 1.6, 1.5, 1.3,
    0.9, 1.1, 1.3, 1.2, 1.0, 0.6, 0.3, 0.12, 0.08, 0.06, 0.04, 0.03,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.25, 1.1, 1.0, 1.0, 0.85, 0.06, 0.04)
# First staff action after the ticket opens, by priority: (minimum, spread) in seconds.
RESPONSE = {
    Priority.P1: (300, 1500),
    Priority.P2: (600, 4800),
    Priority.P3: (1200, 5 * 3600),
    Priority.P4: (3600, 20 * 3600),
}
ROLE_ORDER = sla.ROLE_ORDER
TAGS = ("onsite", "warranty", "hardware order", "new starter", "security", "outage")

_OPENED, _REPLIED, _CLIENT, _NOTE = (
    EventKind.OPENED.value,
    EventKind.REPLIED.value,
    EventKind.CLIENT_REPLIED.value,
    EventKind.NOTE.value,
)
_STATUS, _ASSIGNED, _TIME = EventKind.STATUS.value, EventKind.ASSIGNED.value, EventKind.TIME.value
_NEW, _OPEN, _WAIT_C, _WAIT_3 = (
    TicketStatus.NEW.value,
    TicketStatus.OPEN.value,
    TicketStatus.WAITING_CLIENT.value,
    TicketStatus.WAITING_THIRD_PARTY.value,
)
_RESOLVED, _CLOSED = TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value
_STAFF, _PHONE = Channel.STAFF.value, Channel.PHONE.value


@dataclass
class DeskResult:
    tickets: int = 0
    open_tickets: int = 0
    breached: int = 0
    messages: int = 0
    events: int = 0
    time_entries: int = 0
    assets: int = 0
    recurring: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    seconds_planning: float = 0.0  # building rows in Python
    seconds_writing: float = 0.0  # executemany
    seconds_indexing: float = 0.0  # indexes, triggers, full-text rebuild
    cpu_planning: float = 0.0  # CPU seconds, in whichever processes planned
    cpu_writing: float = 0.0
    cpu_indexing: float = 0.0

    @property
    def rows(self) -> int:
        return self.tickets + self.messages + self.events + self.time_entries + self.assets


# --- Time ------------------------------------------------------------------------------------

_HH_MM = [f"{m // 60:02d}:{m % 60:02d}:" for m in range(1440)]
_SS = [f"{s:02d}" for s in range(60)]


class _Calendar:
    """Office days and hours around the reference moment, in epoch seconds (fast to add to).

    Local time is the installation's time zone; a day's hours are counted from its local
    midnight, so on the two clock-change days an office hour is off by one. Demo data only.
    """

    def __init__(self, now: dt.datetime, tz: dt.tzinfo, days_back: int = DAYS) -> None:
        self.now = int(now.timestamp())
        today = now.astimezone(tz).date()
        self.first_day = today - dt.timedelta(days=days_back + 1)
        n = days_back + 1 + 60
        days = [self.first_day + dt.timedelta(days=d) for d in range(n + 1)]
        self.day_start = [
            int(dt.datetime.combine(day, dt.time(), tzinfo=tz).timestamp()) for day in days
        ]
        self.workday = [
            day.weekday() < 5 and (day.month, day.day) not in ((12, 25), (12, 26), (1, 1))
            for day in days
        ]
        self.next_workday = [0] * (n + 1)
        following = n
        for d in range(n, -1, -1):
            self.next_workday[d] = following
            if self.workday[d]:
                following = d
        self.start = self.now - days_back * 86400
        self.days = days
        first_utc = self.start // 86400 - 2
        self._utc_first = first_utc
        self._utc_days = [
            (dt.date(1970, 1, 1) + dt.timedelta(days=first_utc + d)).isoformat() + " "
            for d in range(n + 4)
        ]

    def business(self, ts: int, jitter: float) -> int:
        """`ts` if the office is open then, else the next opening plus up to an hour."""
        d = bisect.bisect_right(self.day_start, ts) - 1
        if d < 0 or d >= len(self.day_start) - 1:
            return ts
        offset = ts - self.day_start[d]
        if self.workday[d]:
            if offset < OPENS:
                return self.day_start[d] + OPENS + int(jitter * 3600)
            if offset < CLOSES:
                return ts
        nd = self.next_workday[d]
        return self.day_start[nd] + OPENS + int(jitter * 3600)

    def fmt(self, ts: int) -> str:
        """UTC 'YYYY-MM-DD HH:MM:SS', as Django stores a DateTimeField on SQLite."""
        day, seconds = divmod(ts, 86400)
        d = day - self._utc_first
        if 0 <= d < len(self._utc_days):
            return self._utc_days[d] + _HH_MM[seconds // 60] + _SS[seconds % 60]
        return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S")

    def local_day(self, ts: int) -> dt.date:
        d = bisect.bisect_right(self.day_start, ts) - 1
        if 0 <= d < len(self.days):
            return self.days[d]
        return dt.datetime.fromtimestamp(ts, tz=dt.UTC).date()

    def local_date(self, ts: int) -> str:
        return self.local_day(ts).isoformat()

    def local_moment(self, day: dt.date, seconds: int) -> int:
        d = (day - self.first_day).days
        if 0 <= d < len(self.day_start):
            return self.day_start[d] + seconds
        return self.day_start[0] + d * 86400 + seconds


class _Arrivals:
    """When tickets arrive: a weight per hour of the year (office hours, weekdays, a slight
    upward trend), and the inverse of its running total, so the i-th of n tickets falls at
    quantile (i + jitter) / n: arrival times grow with the ticket number."""

    def __init__(self, cal: _Calendar) -> None:
        self.slot_start: list[int] = []
        self.slot_len: list[int] = []
        self.cum: list[float] = []
        total = 0.0
        n_days = len(cal.days)
        for d in range(n_days):
            day = cal.days[d]
            day_weight = WEEKDAY_WEIGHTS[day.weekday()] * (1.0 if cal.workday[d] else 0.3)
            trend = 0.9 + 0.2 * d / max(1, n_days - 60)
            for hour in range(24):
                start = cal.day_start[d] + hour * 3600
                end = min(start + 3600, cal.now)
                if end <= cal.start or start >= cal.now:
                    continue
                start = max(start, cal.start)
                length = end - start
                total += day_weight * HOUR_WEIGHTS[hour] * trend * length / 3600
                self.slot_start.append(start)
                self.slot_len.append(length)
                self.cum.append(total)
        self.total = total

    def at(self, quantile: float) -> int:
        """The arrival time at this quantile (0 ≤ q < 1) of the year's tickets."""
        u = quantile * self.total
        s = bisect.bisect_right(self.cum, u)
        if s >= len(self.cum):
            return self.slot_start[-1] + self.slot_len[-1] - 1
        below = self.cum[s - 1] if s else 0.0
        width = self.cum[s] - below
        frac = (u - below) / width if width > 0 else 0.0
        return self.slot_start[s] + int(frac * self.slot_len[s])


# --- What the portfolio gives us ----------------------------------------------------------------


@dataclass
class _Context:
    """Everything a chunk needs, as plain lists (cheap to read, and to hand to a worker)."""

    seed: int
    cal: _Calendar
    arrivals: _Arrivals
    regular: int  # tickets raised by people (the rest are past backup checks)
    ticket_base: int  # the first new ticket's pk is ticket_base + 1
    message_base: int
    # people who may raise tickets
    person_pk: list[int] = field(default_factory=list)
    person_client: list[int] = field(default_factory=list)  # index into the client lists
    person_site: list[int | None] = field(default_factory=list)
    person_first: list[str] = field(default_factory=list)
    person_role: list[str] = field(default_factory=list)
    person_active: list[bool] = field(default_factory=list)
    person_laptop: list[tuple[int, str] | None] = field(default_factory=list)
    person_cum: list[float] = field(default_factory=list)
    # clients
    client_pk: list[int] = field(default_factory=list)
    client_name: list[str] = field(default_factory=list)
    client_cover: list[list[tuple[int, int, int | None]]] = field(default_factory=list)
    client_tech: list[int] = field(default_factory=list)  # index into techs
    site_name: dict[int, str] = field(default_factory=dict)
    site_printer: dict[int, tuple[int, str]] = field(default_factory=dict)
    # staff
    techs: list[tuple[int, str, str]] = field(default_factory=list)  # pk, first, full name
    triage: list[int] = field(default_factory=list)  # who assigns incoming tickets
    # tags
    tag_pk: dict[str, int] = field(default_factory=dict)
    # backup checks: (opened ts, person index, recurring pk), sorted by time
    occurrences: list[tuple[int, int, int]] = field(default_factory=list)
    # for the SLA clocks of the tickets still open
    now: dt.datetime = field(default_factory=timezone.now)
    contracts: dict[int, Contract] = field(default_factory=dict)

    @property
    def chunks(self) -> int:
        return max(1, math.ceil(self.regular / CHUNK))

    def boundary(self, k: int) -> int:
        """Chunk k holds the tickets that arrive from boundary(k) up to boundary(k + 1)."""
        if k <= 0:
            return -(2**62)
        if k >= self.chunks:
            return 2**62
        return self.arrivals.at(k * CHUNK / self.regular)

    def contract_at(self, client: int, ts: int) -> tuple[bool, int | None]:
        """(may raise a ticket then, the contract covering it)."""
        for start, end, contract in self.client_cover[client]:
            if start <= ts <= end:
                return True, contract
        return False, None


@dataclass
class _Chunk:
    """Rows as flat lists of column values, table by table (cheaper to build, to send from a
    worker process and to bind than lists of tuples)."""

    tickets: list[Any] = field(default_factory=list)
    messages: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    times: list[Any] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    open_tickets: int = 0
    breached: int = 0
    cpu_seconds: float = 0.0  # planning it, in whichever process did


TICKET_FIELDS = (
    "id", "number", "subject", "status", "priority", "impact", "urgency", "category", "channel",
    "recurring_due_at", "opened_at", "updated_at", "first_response_at", "resolved_at",
    "closed_at", "requester_role", "first_response_due_at", "resolution_due_at", "sla_paused",
    "sla_breached", "queue_key", "asset", "assignee", "client", "contract", "merged_into",
    "recurring", "requester", "site",
)  # fmt: skip
MESSAGE_FIELDS = (
    "id", "ticket", "author_user", "author_person", "internal", "body", "channel", "created_at"
)
EVENT_FIELDS = ("ticket", "kind", "actor_user", "actor_person", "data", "once_key", "created_at")
TIME_FIELDS = ("ticket", "contract", "user", "minutes", "billable", "note", "work_date",
               "created_at")  # fmt: skip
ASSET_FIELDS = ("id", "client", "site", "contract", "name", "asset_type", "serial",
                "assigned_to", "warranty_end", "notes", "created_at")  # fmt: skip


def _cum(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick_cum(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


_TOPIC_CUM = _cum([t.weight for t in tw.TOPICS])
_COUNT_CUM = _cum(MESSAGE_COUNT_WEIGHTS)
_CHANNEL_CUM = _cum(CHANNEL_WEIGHTS)


def _role_of(roles: set[str]) -> str:
    return next((role for role in ROLE_ORDER if role in roles), "")


# --- One chunk of tickets ------------------------------------------------------------------------


def _plan_chunk(ctx: _Context, k: int) -> _Chunk:  # noqa: C901 (one ticket's life, in order)
    started = time.process_time()
    rng = random.Random(f"{ctx.seed}:tickets:{k}")  # demo data, not security  # nosec B311
    rnd = rng.random
    cal = ctx.cal
    now = cal.now
    business = cal.business
    formatted: dict[int, str] = {}  # a message and its event share their moment
    out = _Chunk()
    tickets, messages = out.tickets.extend, out.messages.extend
    events, times = out.events.extend, out.times.extend
    fillers = _FILLERS
    n_fillers = len(fillers)

    def fmt(ts: int) -> str:
        text = formatted.get(ts)
        if text is None:
            text = formatted[ts] = cal.fmt(ts)
        return text

    # Which tickets: the regular ones of this chunk, and the backup checks in its window.
    first_regular = k * CHUNK
    last_regular = min(ctx.regular, first_regular + CHUNK)
    arrivals: list[tuple[int, int, int]] = []  # (ts, kind 0 regular / 1 check, index)
    for i in range(first_regular, last_regular):
        arrivals.append((ctx.arrivals.at((i + rnd()) / ctx.regular), 0, i))
    low, high = ctx.boundary(k), ctx.boundary(k + 1)
    occ_times = [o[0] for o in ctx.occurrences]
    lo = bisect.bisect_left(occ_times, low)
    hi = bisect.bisect_left(occ_times, high)
    arrivals.extend((ctx.occurrences[j][0], 1, j) for j in range(lo, hi))
    arrivals.sort()
    pk = ctx.ticket_base + first_regular + lo

    techs = ctx.techs
    n_people = len(ctx.person_pk)
    left_before = now - 120 * 86400
    topics = tw.TOPICS
    for opened, kind, index in arrivals:
        pk += 1
        first_message = ctx.message_base + (pk - ctx.ticket_base - 1) * MESSAGE_SLOTS + 1
        if kind == 0:
            for _attempt in range(25):
                p = _pick_cum(rng, ctx.person_cum)
                if p >= n_people or (opened > left_before and not ctx.person_active[p]):
                    continue  # people who left raised their tickets before they went
                allowed, contract = ctx.contract_at(ctx.person_client[p], opened)
                if allowed:
                    break
            topic = topics[_pick_cum(rng, _TOPIC_CUM)]
            recurring_pk = None
        else:
            _ts, p, recurring_pk = ctx.occurrences[index]
            _allowed, contract = ctx.contract_at(ctx.person_client[p], opened)
            topic = None
        if p >= n_people:  # pragma: no cover (bisect on a float total)
            p = n_people - 1
        c = ctx.person_client[p]
        requester = ctx.person_pk[p]
        site = ctx.person_site[p]
        tech_index = ctx.client_tech[c] if rnd() < 0.8 else int(rnd() * len(techs))
        tech_pk, tech_first, tech_name = techs[tech_index]
        ctxt = fillers[int(rnd() * n_fillers)].copy()
        ctxt["first"] = ctx.person_first[p]
        ctxt["tech"] = tech_first
        ctxt["client"] = ctx.client_name[c]
        ctxt["site"] = ctx.site_name.get(site or 0, "the office")
        asset = None
        assigned_at = opened
        msg_rows: list[tuple[Any, ...]] = []  # (ts, author_user, author_person, internal, body, ch)
        ev_rows: list[tuple[Any, ...]] = []  # (ts, kind, actor_user, actor_person, data)
        time_rows: list[tuple[int, int, bool, str]] = []  # (ts, minutes, billable, note)
        statuses: list[tuple[int, str]] = []

        if topic is None:  # a backup check raised by the schedule
            subject = tw.RECURRING_SUBJECT
            category = Category.MAINTENANCE.value
            impact, urgency, priority = 3, 3, Priority.P4.value
            channel = _STAFF
            assignee = tech_pk
            due_day = cal.local_day(opened)
            body = (
                f"{tw.RECURRING_BODY}\n\nRaised by the monthly maintenance schedule "
                f"“{tw.RECURRING_SUBJECT}”, due {due_day.day} {due_day:%b %Y} at 09:00."
            )
            msg_rows.append((opened, None, requester, False, body, channel))
            ev_rows.append((opened, _OPENED, None, requester,
                            f'{{"status": "new", "priority": "P4", "channel": "{channel}"}}'))
            t = business(opened + 1800 + int(rnd() ** 2 * 2 * 86400), rnd())
            ctxt["n"] = str(30 + int(rnd() * 60))
            note = tw.RECURRING_NOTES[int(rnd() * len(tw.RECURRING_NOTES))].format_map(ctxt)
            msg_rows.append((t, tech_pk, None, True, note, _STAFF))
            ev_rows.append((t, _NOTE, tech_pk, None, len(msg_rows) - 1))
            if rnd() < 0.5:
                reply = tw.RECURRING_REPLIES[int(rnd() * len(tw.RECURRING_REPLIES))]
                msg_rows.append((t + 120, tech_pk, None, False, reply.format_map(ctxt), _STAFF))
                ev_rows.append((t + 120, _REPLIED, tech_pk, None, len(msg_rows) - 1))
                ev_rows.append((t + 120, _STATUS, tech_pk, None,
                                '{"from": "new", "to": "open"}'))
                statuses.append((t + 120, _OPEN))
                first_response = t + 120
                t += 120
            else:
                first_response = None
            time_rows.append((t, 15 + 15 * int(rnd() * 3), contract is None,
                              "Monthly backup check"))
            resolved = t + 60
            prev_status = statuses[-1][1] if statuses else _NEW
            ev_rows.append((resolved, _STATUS, tech_pk, None,
                            f'{{"from": "{prev_status}", "to": "resolved"}}'))
            statuses.append((resolved, _RESOLVED))
        else:
            issue = topic.issues[int(rnd() * len(topic.issues))]
            subject = issue.subjects[int(rnd() * len(issue.subjects))]
            fixes = issue.fixes
            notes = issue.notes if issue.notes and rnd() < 0.75 else topic.notes
            details = issue.details or topic.details
            category = topic.category
            impact, urgency = topic.severity[int(rnd() * len(topic.severity))]
            priority = PRIORITY_MATRIX[(impact, urgency)]
            channel = CHANNELS[_pick_cum(rng, _CHANNEL_CUM)]
            if channel == _PHONE and business(opened, 0.0) != opened:
                channel = Channel.EMAIL.value  # nobody answers the phone at night
            if topic.asset == AssetType.LAPTOP:
                laptop = ctx.person_laptop[p]
                if laptop is not None:
                    asset, ctxt["device"] = laptop
            elif topic.asset == AssetType.PRINTER and site is not None:
                printer = ctx.site_printer.get(site)
                if printer is not None:
                    asset, ctxt["printer"] = printer
            subject = subject.format_map(ctxt)
            subject = subject[:1].upper() + subject[1:]  # "{app} won't open"
            logged_by = tech_pk if channel in (_STAFF, _PHONE) else None
            assignee = logged_by  # staff who take a call or raise a ticket keep it
            greeting = tw.GREETINGS[int(rnd() * len(tw.GREETINGS))].format_map(ctxt)
            problem = issue.problems[int(rnd() * len(issue.problems))].format_map(ctxt)
            problem = problem[:1].upper() + problem[1:]  # "{app} asked to update…"
            detail = details[int(rnd() * len(details))].format_map(ctxt)
            closing = tw.CLOSINGS[int(rnd() * len(tw.CLOSINGS))]
            said = f"{problem} {detail}" if detail else problem
            first_name = ctxt["first"]
            body = (
                f"{greeting}\n\n{said}\n\n{closing}\n{first_name}"
                if greeting
                else f"{said}\n\n{closing}\n{first_name}"
            )
            staff_authored = channel == _STAFF
            msg_rows.append((opened, tech_pk if staff_authored else None,
                             None if staff_authored else requester, False, body, channel))
            ev_rows.append((opened, _OPENED, logged_by, None if logged_by else requester,
                            f'{{"status": "new", "priority": "{priority}", '
                            f'"channel": "{channel}"}}'))

            # The conversation: who speaks after the first message.
            n = MESSAGE_COUNTS[_pick_cum(rng, _COUNT_CUM)]
            r = rnd()  # most tickets move briskly; some drag on
            pace = 1.0 if r < 0.7 else (3.0 if r < 0.92 else 10.0)
            speakers: list[str] = []
            previous = "client"
            for j in range(1, n):
                r = rnd()
                if j == 1:
                    who = "note" if r < 0.12 else "staff"
                elif previous == "client":
                    who = "staff" if r < 0.85 else "note"
                elif previous == "staff":
                    who = "client" if r < 0.65 else ("note" if r < 0.85 else "staff")
                else:
                    who = "staff" if r < 0.8 else "client"
                if j == n - 1 and who == "note":
                    who = "staff"  # the client hears how it ended
                speakers.append(who)
                previous = who
            status = _NEW
            first_response = None
            client_channel = channel if channel in ("email", "portal") else "email"
            response_min, response_spread = RESPONSE[priority]
            t = opened
            last_staff_public = -1
            # The last public staff reply brings the fix; the ones before ask questions (in
            # turn), and the client answers them, then thanks us once it works.
            fix_at = max((j for j, who in enumerate(speakers) if who == "staff"), default=-1)
            questions, answers = topic.questions, topic.answers
            first_question = int(rnd() * len(questions))
            asked = 0
            for j, who in enumerate(speakers):
                last = j == len(speakers) - 1
                before = speakers[j - 1] if j else "client"
                if who == "client":
                    if status == _WAIT_C:
                        delay = 7200 + rnd() ** 2 * 4 * 86400
                    else:
                        delay = 900 + rnd() ** 2 * 8 * 3600
                    t = business(t + int(delay * pace), rnd())
                    if 0 <= fix_at < j:
                        text = tw.THANKS[int(rnd() * len(tw.THANKS))]
                    elif before == "staff" and asked <= len(questions):
                        text = answers[(first_question + asked - 1) % len(answers)]
                    elif before == "staff":
                        text = tw.FOLLOW_UP_ANSWERS[asked % len(tw.FOLLOW_UP_ANSWERS)]
                    else:
                        text = tw.CHASERS[int(rnd() * len(tw.CHASERS))]
                    close = tw.CLOSINGS[int(rnd() * len(tw.CLOSINGS))]
                    msg_rows.append((t, None, requester, False,
                                     f"{text}\n\n{close}\n{{first}}".format_map(ctxt),
                                     client_channel))
                    ev_rows.append((t, _CLIENT, None, requester, len(msg_rows) - 1))
                    if status in (_WAIT_C, _WAIT_3):
                        ev_rows.append((t, _STATUS, None, requester,
                                        f'{{"from": "{status}", "to": "open"}}'))
                        status = _OPEN
                        statuses.append((t, _OPEN))
                    continue
                # A member of staff acts; the first time, within the priority's response time;
                # the fix at the end takes the longest.
                if j == 0:
                    delay = response_min + rnd() ** 2 * response_spread
                elif j == fix_at:
                    delay = (1800 + rnd() ** 2 * 2 * 86400) * pace
                else:
                    delay = (300 + rnd() ** 2 * (3 if who == "staff" else 2) * 3600) * pace
                t = business(t + int(delay), rnd())
                if assignee is None:
                    assignee, assigned_at = tech_pk, t
                    by = tech_pk if rnd() < 0.6 else ctx.triage[int(rnd() * len(ctx.triage))]
                    ev_rows.append((t, _ASSIGNED, by, None,
                                    f'{{"from": null, "to": "{tech_name}"}}'))
                if who == "note":
                    text = notes[int(rnd() * len(notes))].format_map(ctxt)
                    msg_rows.append((t, tech_pk, None, True, text, _STAFF))
                    ev_rows.append((t, _NOTE, tech_pk, None, len(msg_rows) - 1))
                    if not last and rnd() < topic.third_party:
                        ev_rows.append((t, _STATUS, tech_pk, None,
                                        f'{{"from": "{status}", "to": "waiting_third_party"}}'))
                        statuses.append((t, _WAIT_3))
                        t = business(t + int(86400 + rnd() ** 2 * 14 * 86400), rnd())
                        ev_rows.append((t, _STATUS, tech_pk, None,
                                        '{"from": "waiting_third_party", "to": "open"}'))
                        statuses.append((t, _OPEN))
                        status = _OPEN
                    continue
                # A public reply: a question while we work on it, the fix at the end.
                opener = tw.STAFF_OPENERS[int(rnd() * len(tw.STAFF_OPENERS))]
                signoff = tw.STAFF_SIGNOFFS[int(rnd() * len(tw.STAFF_SIGNOFFS))]
                if j == fix_at:
                    text = fixes[int(rnd() * len(fixes))]
                elif asked < len(questions):
                    text = questions[(first_question + asked) % len(questions)]
                    asked += 1
                else:
                    text = tw.FOLLOW_UPS[asked % len(tw.FOLLOW_UPS)]
                    asked += 1
                if first_response is None:
                    text = f"{tw.ACKNOWLEDGEMENTS[int(rnd() * len(tw.ACKNOWLEDGEMENTS))]} {text}"
                msg_rows.append((t, tech_pk, None, False,
                                 f"{opener}\n\n{text}\n\n{signoff}".format_map(ctxt), _STAFF))
                ev_rows.append((t, _REPLIED, tech_pk, None, len(msg_rows) - 1))
                last_staff_public = len(msg_rows) - 1
                if first_response is None:
                    first_response = t
                if status == _NEW:
                    ev_rows.append((t, _STATUS, tech_pk, None, '{"from": "new", "to": "open"}'))
                    statuses.append((t, _OPEN))
                    status = _OPEN
                if not last and speakers[j + 1] == "client" and rnd() < 0.45:
                    ev_rows.append((t, _STATUS, tech_pk, None,
                                    f'{{"from": "{status}", "to": "waiting_client"}}'))
                    statuses.append((t, _WAIT_C))
                    status = _WAIT_C

            if assignee is None:  # a one-message ticket: somebody picks it up and fixes it
                delay = response_min + rnd() ** 2 * response_spread
                t = business(t + int(delay * pace), rnd())
                assignee, assigned_at = tech_pk, t
                ev_rows.append((t, _ASSIGNED, tech_pk, None,
                                f'{{"from": null, "to": "{tech_name}"}}'))
            # Fixed: time logged, then resolved (straight after the fix, or a bit later).
            if last_staff_public != len(msg_rows) - 1:
                t = business(t + int((1800 + rnd() ** 2 * 2 * 86400) * pace), rnd())
            if rnd() < 0.95:
                minutes = TIME_MINUTES[int(rnd() * len(TIME_MINUTES))]
                if rnd() < 0.2 and minutes > 30:  # an earlier session too
                    time_rows.append((max(assigned_at, t - 86400), 15 + 15 * int(rnd() * 3),
                                      contract is None,
                                      tw.TIME_NOTES[int(rnd() * len(tw.TIME_NOTES))]))
                billable = contract is None or rnd() < BILLABLE_SHARE
                time_rows.append((t, minutes, billable,
                                  tw.TIME_NOTES[int(rnd() * len(tw.TIME_NOTES))]))
            resolved = t + 60
            ev_rows.append((resolved, _STATUS, tech_pk, None,
                            f'{{"from": "{status}", "to": "resolved"}}'))
            statuses.append((resolved, _RESOLVED))
        closed = resolved + CLOSE_AFTER + int(rnd() * 4 * 3600)
        ev_rows.append((closed, _STATUS, None, None, '{"from": "resolved", "to": "closed"}'))
        statuses.append((closed, _CLOSED))

        # Cut the story at the reference moment: recent tickets are still being worked.
        status = _NEW
        for ts, to in statuses:
            if ts > now:
                break
            status = to
        resolved_at = resolved if resolved <= now else None
        closed_at = closed if closed <= now else None
        if first_response is not None and first_response > now:
            first_response = None
        if assigned_at > now:  # not picked up yet
            assignee = None
        updated = opened
        for position, row in enumerate(msg_rows):
            ts = row[0]
            if ts > now:
                continue
            messages((first_message + position, pk, *row[1:], fmt(ts)))
            if ts > updated:
                updated = ts
        for ts, ev_kind, actor_user, actor_person, data in ev_rows:
            if ts > now:
                continue
            if type(data) is int:  # the position of the message it records
                data = f'{{"message": {first_message + data}}}'
            events((pk, ev_kind, actor_user, actor_person, data, "", fmt(ts)))
            if ts > updated:
                updated = ts
        for ts, minutes, billable, note in time_rows:
            if ts > now:
                continue
            times((pk, contract, assignee, minutes, billable, note, cal.local_date(ts), fmt(ts)))
            flag = "true" if billable else "false"
            events((pk, _TIME, assignee, None,
                           f'{{"minutes": {minutes}, "billable": {flag}}}', "", fmt(ts)))
        if status in OPEN_STATUSES:
            clocks = _sla_cache(ctx, status, priority, opened, first_response, contract,
                                ctx.person_role[p], statuses)
            out.open_tickets += 1
            out.breached += clocks[3]
        else:
            clocks = _NO_CLOCKS
        if topic is not None and topic.tags and rnd() < 0.08:
            name = topic.tags[int(rnd() * len(topic.tags))]
            out.tags.extend((pk, ctx.tag_pk[name]))
        tickets((
            pk, pk + NUMBER_OFFSET, subject[:255], status, priority, impact, urgency, category,
            channel, fmt(opened) if recurring_pk else None, fmt(opened), fmt(updated),
            fmt(first_response) if first_response is not None else None,
            fmt(resolved_at) if resolved_at is not None else None,
            fmt(closed_at) if closed_at is not None else None,
            ctx.person_role[p], *clocks, asset, assignee,
            ctx.client_pk[c], contract, None, recurring_pk, requester, site,
        ))  # fmt: skip
    out.cpu_seconds = time.process_time() - started
    return out


def _fillers(count: int = 4096) -> list[dict[str, str]]:
    """Pre-drawn placeholder values for the texts (times, apps, rooms, case numbers…); each
    ticket copies one and adds its people. Drawn from a fixed seed: the same for every demo."""
    rng = random.Random("goodwill-demo-ticket-fillers")  # demo data  # nosec B311
    pick = rng.choice
    return [
        {
            "when": pick(tw.WHEN), "app": pick(tw.APPS), "room": pick(tw.ROOMS),
            "shared": pick(tw.SHARED), "case": str(rng.randrange(100000, 1000000)),
            "n": str(rng.randrange(2, 10)),
            "newbie": f"{pick(words.FIRST_NAMES)} {pick(words.LAST_NAMES)}",
            "printer": "printer", "device": "laptop",
        }  # fmt: skip
        for _ in range(count)
    ]


_FILLERS = _fillers()


# --- SLA clocks of the open tickets --------------------------------------------------------------

_NO_CLOCKS: tuple[Any, ...] = (None, None, False, False, None)


def _aware(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def _db_datetime(moment: dt.datetime | None) -> str | None:
    """As Django writes an aware datetime on SQLite (naive UTC, microseconds when any)."""
    if moment is None:
        return None
    return str(moment.astimezone(dt.UTC).replace(tzinfo=None))


def _sla_cache(
    ctx: _Context, status: str, priority: str, opened: int, first_response: int | None,
    contract: int | None, role: str, statuses: Sequence[tuple[int, str]],
) -> tuple[Any, ...]:
    """The SLA cache columns of an open ticket, as desk.sla.refresh sets them: desk.sla.compute
    over the status history planned here (a test checks the result equals refresh's)."""
    ticket = Ticket(
        status=status, priority=priority, opened_at=_aware(opened), requester_role=role,
        first_response_at=_aware(first_response) if first_response is not None else None,
    )  # fmt: skip
    ticket.contract = ctx.contracts.get(contract) if contract is not None else None
    events = [TicketEvent(kind=_OPENED, data={"status": _NEW}, created_at=ticket.opened_at)]
    events += [
        TicketEvent(kind=_STATUS, data={"to": to}, created_at=_aware(ts))
        for ts, to in statuses
        if ts <= ctx.cal.now
    ]
    state = sla.compute(ticket, events, ctx.now)
    first, resolution = state.first_response, state.resolution
    return (
        _db_datetime(first.due_at if first.stopped_at is None else None),
        _db_datetime(resolution.due_at if resolution.stopped_at is None else None),
        first.paused or resolution.paused,
        first.breached or resolution.breached,
        _db_datetime(sla.queue_key(ticket, state)),
    )


@contextmanager
def _sla_lookups_memoized(contracts: Sequence[Contract]) -> Iterator[None]:
    """desk.sla looks up a ticket's targets and builds its calendar's spec (hours, closures,
    public holidays) from the database on every call, so an edit is never missed. During the
    load nothing can edit them (one transaction), and the planner may run in a forked process
    that must not touch the database: so both are looked up once per policy, priority and
    kind of requester beforehand, and served from memory until the load ends."""
    original_targets, original_spec = sla.targets_for, sla.calendar_spec
    targets: dict[tuple[int | None, str, bool], tuple[int | None, int | None]] = {}
    specs: dict[int | None, Any] = {}
    for contract in contracts:
        if contract.sla_policy_id is None or contract.sla_policy_id in specs:
            continue
        probe = Ticket(requester_role="")
        probe.contract = contract
        specs[contract.sla_policy_id] = original_spec(probe)
        for priority in Priority.values:
            for role in ("", sla.KEY_ROLES[0]):
                probe.priority, probe.requester_role = priority, role
                key = (contract.sla_policy_id, priority, bool(role))
                targets[key] = original_targets(probe)

    def targets_for(ticket: Ticket) -> tuple[int | None, int | None]:
        contract = ticket.contract
        if contract is None or contract.sla_policy_id is None:
            return None, None
        key = (contract.sla_policy_id, ticket.priority, ticket.requester_role in sla.KEY_ROLES)
        found = targets.get(key)
        return found if found is not None else original_targets(ticket)

    def calendar_spec(ticket: Ticket) -> Any:
        contract = ticket.contract
        if contract is None or contract.sla_policy_id is None:
            return None
        if contract.sla_policy_id in specs:
            return specs[contract.sla_policy_id]
        return original_spec(ticket)

    sla.targets_for, sla.calendar_spec = targets_for, calendar_spec  # type: ignore[assignment]
    try:
        yield
    finally:
        sla.targets_for, sla.calendar_spec = original_targets, original_spec  # type: ignore[assignment]


# --- Planning in parallel ------------------------------------------------------------------------

_WORKER_CONTEXT: _Context | None = None


def _plan_in_worker(k: int) -> _Chunk:
    if _WORKER_CONTEXT is None:  # pragma: no cover (set before the pool forks)
        raise RuntimeError("no planning context in this worker")
    return _plan_chunk(_WORKER_CONTEXT, k)


def default_workers(tickets: int) -> int:
    """Planning processes beside the one that writes: none for small demos (a pool costs more
    than it saves), else one per core, up to three. (With two cores, two planners and the
    writer share them: the writer alone keeps one core about half busy.)"""
    if tickets < 50_000 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return max(1, min(3, os.cpu_count() or 1))


def _chunks(ctx: _Context, workers: int) -> Iterator[_Chunk]:
    """The chunks in order, planned here or, with workers, by forked processes a few chunks
    ahead of the writer (each chunk depends only on the context and its number, so the result
    is the same either way)."""
    if workers <= 0 or ctx.chunks <= 1:
        for k in range(ctx.chunks):
            yield _plan_chunk(ctx, k)
        return
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = ctx
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending: deque[Any] = deque()
            ahead = workers + 1  # bounded: at most this many planned chunks wait in memory
            for k in range(ctx.chunks):
                pending.append(pool.apply_async(_plan_in_worker, (k,)))
                if len(pending) > ahead:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _WORKER_CONTEXT = None


# --- Writing ---------------------------------------------------------------------------------


def _columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


ROWS_PER_INSERT = 500  # rows per multi-row INSERT … VALUES statement (≤ 32766 parameters)


class _Writer:
    """Multi-row INSERTs of plain tuples through the driver's own cursor: no per-row Django
    work, and one statement per ROWS_PER_INSERT rows (on SQLite more than twice as fast as
    executemany, which runs, and updates the AUTOINCREMENT counter, once per row)."""

    def __init__(self, cursor: CursorWrapper) -> None:
        self.raw = cursor.cursor  # the DB-API cursor under Django's wrapper
        self.mark = "?" if connection.vendor == "sqlite" else "%s"
        self.sql: dict[tuple[str, int], str] = {}

    def sql_for(self, model: type[models.Model], names: Sequence[str], rows: int) -> str:
        key = (f"{model._meta.label}:{','.join(names)}", rows)
        sql = self.sql.get(key)
        if sql is None:
            qn = connection.ops.quote_name
            columns = ", ".join(qn(c) for c in _columns(model, names))
            one = "(" + ", ".join([self.mark] * len(names)) + ")"
            values = ", ".join([one] * rows)
            sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608  # model names  # nosec B608
            self.sql[key] = sql
        return sql

    def insert(self, model: type[models.Model], names: Sequence[str], values: list[Any]) -> int:
        """Insert rows given as one flat list of values, row after row; returns the count."""
        width = len(names)
        rows = len(values) // width
        if connection.vendor == "postgresql":
            return self.copy(model, names, values)
        n = ROWS_PER_INSERT
        full = rows - rows % n
        if full:
            sql = self.sql_for(model, names, n)
            step = n * width
            execute = self.raw.execute
            for start in range(0, full * width, step):
                execute(sql, values[start : start + step])
        if full < rows:
            self.raw.execute(self.sql_for(model, names, rows - full), values[full * width :])
        return rows

    def copy(self, model: type[models.Model], names: Sequence[str], values: list[Any]) -> int:
        """PostgreSQL: COPY … FROM STDIN, several times faster than multi-row INSERTs there
        (which spend their time binding ~10,000 parameters a statement)."""
        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in _columns(model, names))
        width = len(names)
        with self.raw.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            write_row = copy.write_row
            for start in range(0, len(values), width):
                write_row(values[start : start + width])
        return len(values) // width


DESK_TABLES = (Ticket, Message, TicketEvent, TimeEntry, Asset, Ticket.tags.through)


@contextmanager
def _bulk_load(
    cursor: CursorWrapper, tables: Sequence[type[models.Model]], *, big: bool = False
) -> Iterator[None]:
    """On SQLite, drop the tables' secondary indexes and triggers for the load and recreate
    them after it; then rebuild every external-content FTS5 table over them. On PostgreSQL,
    for a big load only, the same with the secondary indexes and foreign keys (see
    _pg_bulk_load). Elsewhere, a no-op.
    """
    if connection.vendor == "postgresql" and big:
        with _pg_bulk_load(cursor, tables):
            yield
        return
    if connection.vendor != "sqlite":
        yield
        return
    names = [m._meta.db_table for m in tables]
    marks = ", ".join("?" * len(names))
    raw = cursor.cursor
    saved = raw.execute(
        f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({marks}) "  # noqa: S608  # nosec B608
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
        names,
    ).fetchall()
    fts_tables = [
        name
        for name, sql in raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%fts5%'"
        ).fetchall()
        if any(f"content='{table}'" in sql.replace('"', "'") for table in names)
    ]
    for kind, name, _sql in saved:
        raw.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
    yield
    for _kind, _name, sql in saved:  # indexes first (ordered by type), then triggers
        raw.execute(sql)
    for fts in fts_tables:
        _rebuild_fts(raw, fts)


@contextmanager
def _pg_bulk_load(cursor: CursorWrapper, tables: Sequence[type[models.Model]]) -> Iterator[None]:
    """PostgreSQL, as pg_restore loads: drop the tables' secondary indexes (the full-text GIN
    ones too) and their foreign keys, load, then build each index once and add each foreign key
    back, which checks all its rows in one join instead of one lookup per inserted row.
    Indexes that back a constraint (primary keys, unique) stay, and so do partial indexes:
    they hold few rows (open tickets), and pg_get_indexdef does not give back their predicate
    word for word (`status IN (…)` would come back with other casts). PostgreSQL's DDL is
    transactional, so a failed load leaves the schema as it was; the tables are locked
    meanwhile, which is why small demos (a running install's `goodwill demo`) skip this."""
    names = [m._meta.db_table for m in tables]
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [names],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = ANY(%s::regclass[]) AND indpred IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint WHERE conindid = indexrelid) ORDER BY 1",
        [names],
    )
    indexes = cursor.fetchall()
    qn = connection.ops.quote_name
    # Run the portfolio's deferred foreign-key checks now: PostgreSQL refuses to alter a table
    # (here the referenced clients and people) that has pending trigger events.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, _definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")  # sorts for the index builds
    for _name, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them


FTS_DEFAULT_HASHSIZE = 1024 * 1024  # FTS5's own default
FTS_BULK_HASHSIZE = 64 * 1024 * 1024


def _rebuild_fts(raw: Any, fts: str) -> None:
    """Rebuild an external-content FTS5 index from its table. FTS5 flushes its in-memory term
    buffer to a new segment every `hashsize` bytes (1 MiB by default) and merges segments as
    it goes; with a 64 MiB buffer a rebuild of millions of messages takes half the time. The
    table's own setting is put back afterwards."""
    quoted = f'"{fts}"'
    row = raw.execute(
        f"SELECT v FROM \"{fts}_config\" WHERE k = 'hashsize'"  # noqa: S608  # constant names  # nosec B608
    ).fetchone()
    previous = row[0] if row else FTS_DEFAULT_HASHSIZE
    raw.execute(f"INSERT INTO {quoted}({quoted}, rank) VALUES ('hashsize', ?)",  # noqa: S608  # constant names  # nosec B608
                (FTS_BULK_HASHSIZE,))
    raw.execute(f"INSERT INTO {quoted}({quoted}) VALUES ('rebuild')")  # noqa: S608  # nosec B608
    raw.execute(f"INSERT INTO {quoted}({quoted}, rank) VALUES ('hashsize', ?)",  # noqa: S608  # constant names  # nosec B608
                (previous,))


BULK_TICKETS = 50_000  # from this many tickets the load uses the settings below


@contextmanager
def sqlite_bulk_session(tickets: int) -> Iterator[None]:
    """Connection settings for loading a big demo into SQLite; call outside a transaction.

    * Foreign keys are not checked row by row (the demo builds its keys itself; a test runs
      PRAGMA foreign_key_check over the result).
    * For BULK_TICKETS tickets or more: a 512 MiB page cache, and the rollback journal instead
      of the WAL for the duration. In WAL mode every page of a multi-gigabyte load is written
      twice (to the WAL, then checkpointed into the database); with a rollback journal, pages
      beyond the old end of the file are not journaled at all. SQLite switches only when no
      other connection has the database open, so a running server keeps its WAL; and every
      connection sets WAL again when it opens (settings: init_command).
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    checks_off = connection.disable_constraint_checking()  # opens the connection
    raw = connection.connection
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    journal = raw.execute("PRAGMA journal_mode").fetchone()[0]
    switched = False
    if tickets >= BULK_TICKETS:
        raw.execute("PRAGMA cache_size = -524288")
        switched = raw.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    try:
        yield
    finally:
        if switched:
            raw.execute(f"PRAGMA journal_mode = {journal}")
        raw.execute(f"PRAGMA cache_size = {int(cache)}")
        if checks_off:
            connection.enable_constraint_checking()


def _next_id(cursor: CursorWrapper, model: type[models.Model]) -> int:
    """The highest id the table has handed out, so new rows (and ticket numbers) never reuse
    one, even after a reset deleted the rows."""
    table = model._meta.db_table
    qn = connection.ops.quote_name
    cursor.execute(f"SELECT MAX({qn('id')}) FROM {qn(table)}")  # noqa: S608  # nosec B608
    highest = cursor.fetchone()[0] or 0
    if connection.vendor == "sqlite":
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        highest = max(highest, row[0] if row else 0)
    elif connection.vendor == "postgresql":
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        if sequence:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608  # PostgreSQL's own sequence name  # nosec B608
            last, called = cursor.fetchone()
            highest = max(highest, last if called else last - 1)
    return highest


def _reset_sequences(cursor: CursorWrapper, tables: Sequence[type[models.Model]]) -> None:
    from django.core.management.color import no_style

    for sql in connection.ops.sequence_reset_sql(no_style(), list(tables)):
        cursor.execute(sql)


# --- Assets and schedules ------------------------------------------------------------------------


@dataclass
class Portfolio:
    """What the ticket generator needs from the demo portfolio (saved objects, with pks)."""

    clients: Sequence[Client]
    sites: Sequence[Site]
    people: Sequence[Person]
    roles: Sequence[PersonRole]
    contracts: Sequence[Contract]
    staff: dict[str, User]


def _coverage(
    contract: Contract, cal: _Calendar, today: dt.date
) -> tuple[int, int, int | None] | None:
    if contract.state == ContractState.DRAFT:
        return None
    start = cal.local_moment(contract.start_date, 0)
    end_day = contract.end_date
    if contract.state == ContractState.CANCELLED:
        end_day = min(end_day, today - dt.timedelta(days=60))
    elif contract.state == ContractState.ACTIVE and contract.auto_renew:
        end_day = max(end_day, today + dt.timedelta(days=365))
    end = cal.local_moment(end_day, 86399)
    return (start, end, contract.pk) if end > start else None


def _asset_serial(rng: random.Random, prefix: str, taken: set[str]) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    while True:
        serial = prefix + "".join(alphabet[int(rng.random() * 34)] for _ in range(7))
        if serial not in taken:
            taken.add(serial)
            return serial


def _plan_assets(
    rng: random.Random, portfolio: Portfolio, ctx: _Context, cal: _Calendar, today: dt.date,
    live: dict[int, int], next_id: int,
) -> list[tuple[Any, ...]]:
    """A laptop for about one person in three, a printer per site (two for big ones), a
    server for clients of ten people or more, a firewall per client under contract."""
    rows: list[tuple[Any, ...]] = []
    created = cal.fmt(cal.now - 400 * 86400)
    people_by_client: dict[int, list[Person]] = {}
    for person in portfolio.people:
        people_by_client.setdefault(person.client_id, []).append(person)
    sites_by_client: dict[int, list[Site]] = {}
    for site in portfolio.sites:
        sites_by_client.setdefault(site.client_id, []).append(site)
    laptops: dict[int, tuple[int, str]] = {}

    def add(client: Client, site: Site | None, name: str, kind: str, serial: str,
            person: Person | None, years: int, model: str) -> int:
        nonlocal next_id
        next_id += 1
        bought = today - dt.timedelta(days=int(rng.random() * 5 * 365))
        warranty = bought + dt.timedelta(days=365 * years)
        notes = f"{model}, bought {bought:%b %Y}."
        rows.append((next_id, client.pk, site.pk if site else None, live.get(client.pk), name,
                     kind, serial, person.pk if person else None, warranty.isoformat(), notes,
                     created))
        return next_id

    for client in portfolio.clients:
        taken: set[str] = set()
        slug = "".join(ch for ch in client.email_domains.split(".")[0].upper() if ch.isalnum())
        slug = slug[:4] or "CL"
        people = people_by_client.get(client.pk, [])
        sites = sites_by_client.get(client.pk, [])
        number = 0
        for person in people:
            if not person.is_active or rng.random() > 0.35:
                continue
            number += 1
            model = tw.LAPTOP_MODELS[int(rng.random() * len(tw.LAPTOP_MODELS))]
            pk = add(client, person.site, f"{slug}-LT{number:03d}", AssetType.LAPTOP,
                     _asset_serial(rng, "5CD", taken), person, 3, model)
            laptops[person.pk] = (pk, model)
        for s, site in enumerate(sites):
            for copy in range(1 if len(people) < 25 or s else 2):
                model = tw.PRINTER_MODELS[int(rng.random() * len(tw.PRINTER_MODELS))]
                pk = add(client, site, f"{slug}-PR{s + 1}{copy + 1}", AssetType.PRINTER,
                         _asset_serial(rng, "PR", taken), None, 3, model)
                if copy == 0:
                    ctx.site_printer[site.pk] = (pk, model)
        if len(people) >= 10 and sites:
            model = tw.SERVER_MODELS[int(rng.random() * len(tw.SERVER_MODELS))]
            add(client, sites[0], f"{slug}-SRV01", AssetType.SERVER,
                _asset_serial(rng, "SV", taken), None, 5, model)
        if client.pk in live and sites:
            model = tw.NETWORK_MODELS[int(rng.random() * len(tw.NETWORK_MODELS))]
            add(client, sites[0], f"{slug}-FW01", AssetType.NETWORK,
                _asset_serial(rng, "FW", taken), None, 3, model)
    ctx.person_laptop = [laptops.get(pk) for pk in ctx.person_pk]
    return rows


# --- The whole desk ------------------------------------------------------------------------------


def generate_desk(
    portfolio: Portfolio,
    *,
    tickets: int,
    seed: int,
    now: dt.datetime,
    tz: dt.tzinfo,
    workers: int | None = None,
    progress: bool = False,
    stderr: IO[str] | None = None,
) -> DeskResult:
    """Write assets, backup-check schedules and `tickets` tickets with their conversations,
    history and time. Call inside a transaction, after the portfolio is saved."""
    result = DeskResult()
    rng = random.Random(f"{seed}:desk")  # demo data, not security  # nosec B311
    cal = _Calendar(now, tz)
    today = now.astimezone(tz).date()
    arrivals = _Arrivals(cal)

    with connection.cursor() as cursor:
        ticket_base = _next_id(cursor, Ticket)
        message_base = _next_id(cursor, Message)
        asset_base = _next_id(cursor, Asset)
    ctx = _Context(
        seed=seed, cal=cal, arrivals=arrivals, regular=0, ticket_base=ticket_base,
        message_base=message_base, now=now,
        contracts={contract.pk: contract for contract in portfolio.contracts},
    )

    # Clients and who covers them when.
    client_index: dict[int, int] = {}
    live: dict[int, int] = {}  # client pk → the contract in force now
    now_ts = cal.now
    for c, client in enumerate(portfolio.clients):
        client_index[client.pk] = c
        ctx.client_pk.append(client.pk)
        ctx.client_name.append(client.name)
        ctx.client_cover.append([])
    for contract in sorted(portfolio.contracts, key=lambda x: (x.start_date, x.pk), reverse=True):
        cover = _coverage(contract, cal, today)
        if cover is None:
            continue
        ctx.client_cover[client_index[contract.client_id]].append(cover)
        if cover[0] <= now_ts <= cover[1]:
            live.setdefault(contract.client_id, contract.pk)
    for cover in ctx.client_cover:
        if cover:  # after the last contract ends (lapsed), tickets keep coming, uncovered
            last_end = max(end for _s, end, _c in cover)
            cover.append((last_end + 1, 2**62, None))
    for site in portfolio.sites:
        ctx.site_name[site.pk] = site.name

    # Staff.
    staff = portfolio.staff
    technicians = [u for u in staff.values() if u.role == StaffRole.TECHNICIAN]
    technicians = technicians or [u for u in staff.values() if u.role == StaffRole.OWNER]
    ctx.techs = [(u.pk, u.first_name or u.username, str(u)) for u in technicians]
    ctx.triage = [
        u.pk for u in staff.values() if u.role in (StaffRole.OWNER, StaffRole.ACCOUNT_MANAGER)
    ] or [u.pk for u in technicians]
    ctx.client_tech = [int(rng.random() * len(ctx.techs)) for _ in portfolio.clients]

    # People and how often they raise tickets.
    roles: dict[int, set[str]] = {}
    for role in portfolio.roles:
        roles.setdefault(role.person_id, set()).add(role.role)
    weights: list[float] = []
    for person in portfolio.people:
        c = client_index[person.client_id]
        if not ctx.client_cover[c]:
            continue  # prospects raise no tickets
        role = _role_of(roles.get(person.pk, set()))
        ctx.person_pk.append(person.pk)
        ctx.person_client.append(c)
        ctx.person_site.append(person.site_id)
        ctx.person_first.append(person.first_name)
        ctx.person_role.append(role)
        ctx.person_active.append(person.is_active)
        weight = REQUESTER_WEIGHTS.get(role, 1.0)
        weights.append(weight if person.is_active else weight * LEFT_COMPANY_WEIGHT)
    ctx.person_cum = _cum(weights)

    # Assets.
    asset_rows = _plan_assets(rng, portfolio, ctx, cal, today, live, asset_base)

    # Monthly backup checks for a third of the clients under contract, and their past tickets.
    schedules: list[RecurringTicket] = []
    first_person: dict[int, int] = {}  # client → the boss, else its first person
    for p, c in enumerate(ctx.person_client):
        if c not in first_person or ctx.person_role[p] == StakeholderRole.DECISION_MAKER:
            first_person[c] = p
    covered = [c for c in range(len(portfolio.clients)) if portfolio.clients[c].pk in live
               and c in first_person]
    rng.shuffle(covered)
    chosen = sorted(covered[: round(len(covered) * RECURRING_SHARE)])
    schedule_days: list[tuple[int, int]] = []
    for c in chosen:
        p = first_person[c]
        day = 1 + int(rng.random() * 28)
        tech_pk = ctx.techs[ctx.client_tech[c]][0]
        schedules.append(RecurringTicket(
            client_id=ctx.client_pk[c], requester_id=ctx.person_pk[p],
            subject=tw.RECURRING_SUBJECT, body=tw.RECURRING_BODY, priority=Priority.P4,
            category=Category.MAINTENANCE, assignee_id=tech_pk, frequency=Frequency.MONTHLY,
            next_due_at=now,  # set below
        ))  # fmt: skip
        schedule_days.append((p, day))
    occurrences: list[tuple[int, int, int]] = []
    if schedules:
        RecurringTicket.objects.bulk_create(schedules)
        for schedule, (p, day) in zip(schedules, schedule_days, strict=True):
            due_times = []
            for back in range(0, 14):
                month = _month_back(today, back)
                due = cal.local_moment(month.replace(day=day), 9 * 3600)
                due_times.append(due)
            past = sorted(t for t in due_times if cal.start <= t <= now_ts)
            upcoming = min(t for t in due_times + [_after(cal, today, day)] if t > now_ts)
            schedule.next_due_at = dt.datetime.fromtimestamp(upcoming, tz=dt.UTC)
            occurrences.extend((t, p, schedule.pk) for t in past)
        RecurringTicket.objects.bulk_update(schedules, ["next_due_at"])
    occurrences.sort(key=lambda o: (o[0], o[2]))
    limit = int(tickets * RECURRING_MAX_SHARE)
    if len(occurrences) > limit:  # keep the most recent ones
        occurrences = occurrences[len(occurrences) - limit :] if limit else []
    ctx.occurrences = occurrences
    ctx.regular = tickets - len(occurrences) if ctx.person_pk else 0
    if not ctx.person_pk:
        ctx.occurrences = []
    result.recurring = len(schedules)

    ctx.tag_pk = {name: Tag.objects.get_or_create(name=name)[0].pk for name in TAGS}

    # Plan and write everything.
    total = ctx.regular + len(ctx.occurrences)
    if workers is None:
        workers = default_workers(total)
    with (
        connection.cursor() as cursor,
        tqdm(
            total=total, desc="Demo tickets", unit="tickets", file=stderr,
            disable=not progress, leave=False, smoothing=0.05,
        ) as bar,
        _sla_lookups_memoized(portfolio.contracts),
    ):
        writer = _Writer(cursor)
        with _bulk_load(cursor, DESK_TABLES, big=total >= BULK_TICKETS):
            writer.insert(Asset, ASSET_FIELDS, list(itertools.chain.from_iterable(asset_rows)))
            result.assets = len(asset_rows)
            chunks = _chunks(ctx, workers) if total else iter(())
            while True:
                t0 = time.perf_counter()
                chunk = next(chunks, None)
                if chunk is None:
                    break
                t1, cpu = time.perf_counter(), time.process_time()
                tickets_written = writer.insert(Ticket, TICKET_FIELDS, chunk.tickets)
                result.messages += writer.insert(Message, MESSAGE_FIELDS, chunk.messages)
                result.events += writer.insert(TicketEvent, EVENT_FIELDS, chunk.events)
                result.time_entries += writer.insert(TimeEntry, TIME_FIELDS, chunk.times)
                writer.insert(Ticket.tags.through, ("ticket", "tag"), chunk.tags)
                result.seconds_planning += t1 - t0  # with workers: time waiting for them
                result.seconds_writing += time.perf_counter() - t1
                result.cpu_planning += chunk.cpu_seconds
                result.cpu_writing += time.process_time() - cpu
                result.tickets += tickets_written
                result.open_tickets += chunk.open_tickets
                result.breached += chunk.breached
                bar.update(tickets_written)
            bar.set_postfix_str("indexes and search")
            index_started, cpu = time.perf_counter(), time.process_time()
        _reset_sequences(cursor, DESK_TABLES)
        # Planner statistics, as after any bulk load. Without them SQLite guesses that
        # `status IN (…open…)` matches few rows and reads the queue through
        # ticket_status_recent plus a sort (50 ms at a million tickets) instead of walking
        # the partial index ticket_queue_open (under 1 ms).
        bar.set_postfix_str("statistics")
        if connection.vendor == "postgresql":
            # Only these tables: a bare ANALYZE also takes locks on the cluster's shared
            # catalogs, held until the demo commits, which stalls every other database's ANALYZE.
            qn = connection.ops.quote_name
            cursor.execute("ANALYZE " + ", ".join(qn(m._meta.db_table) for m in DESK_TABLES))
        else:
            cursor.execute("ANALYZE")
        result.seconds_indexing = time.perf_counter() - index_started
        result.cpu_indexing = time.process_time() - cpu
    statuses = Ticket.objects.filter(pk__gt=ticket_base).values_list("status").annotate(
        n=models.Count("id")
    )
    result.statuses = dict(statuses.order_by())
    return result


def _month_back(today: dt.date, back: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _after(cal: _Calendar, today: dt.date, day: int) -> int:
    month = _month_back(today, -1)
    return cal.local_moment(month.replace(day=day), 9 * 3600)


def describe(result: DeskResult) -> str:
    statuses = ", ".join(
        f"{TicketStatus(s).label.lower()} {result.statuses.get(s, 0):,}"
        for s in TicketStatus.values
        if result.statuses.get(s)
    )
    return (
        f"Service desk: {result.tickets:,} tickets ({statuses}; {result.breached:,} open "
        f"past an SLA deadline), {result.messages:,} messages, {result.events:,} history "
        f"events, {result.time_entries:,} time entries, {result.assets:,} devices, "
        f"{result.recurring} monthly backup checks."
    )

