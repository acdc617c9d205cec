"""Scores: person happiness, client health and contract-loss risk, each with its reasons.

Everything here is a cache rebuilt from the signal table (and a few facts read from contracts,
time entries and billing). The heavy part is one aggregate query over the signals, grouped by
person and kind, that yields for each group the decayed sum now, 30 and 90 days ago and the
counts the reasons quote; Python then combines a few rows per person. So a full recompute is a
scan of the signals, not a walk over tickets, and one person's refresh is the same query with
`WHERE person_id = ?` on the (person, kind, occurred_at, value, client) index.

Person happiness
    raw = Σ weight(kind) × value × exp(-age / TAU_DAYS)      (recent signals weigh more)
    score = 50 + 50 × tanh(BASELINE + raw / SCALE)            (0–100; nothing known → 69)
Client health
    the role-weighted mean of its people's scores (boss most, everyone else together as one
    voice), minus penalties for SLA compliance, overdue invoices, included-hours burn and a boss
    not contacted for too long. Risk = how far health is below comfortable, sharpened by how
    soon the contract's notice deadline comes; stake = MRR × risk.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from goodwill.clients.models import Person, PersonRole, StakeholderRole
from goodwill.core.bulk import update_each
from goodwill.happiness import conf
from goodwill.happiness.models import Band, ClientScore, PersonScore, SignalKind

logger = logging.getLogger("goodwill.happiness")

TAU_DAYS = 30.0  # a signal's weight halves in about three weeks
WINDOW_DAYS = 200  # older signals weigh under 0.2 %: left out of the scan
BASELINE = 0.4
SCALE = 2.5
GREEN_FROM = 60
RED_BELOW = 35

# How much one signal of each kind moves happiness (its value is already -1 … +1).
KIND_WEIGHT: dict[str, float] = {
    SignalKind.TICKET_OPENED: 1.0,
    SignalKind.TICKET_REOPENED: 1.0,
    SignalKind.ESCALATION: 1.0,
    SignalKind.SLA_MET: 1.0,
    SignalKind.SLA_BREACHED: 1.0,
    SignalKind.FIRST_RESPONSE_TIME: 1.0,
    SignalKind.RESOLUTION_TIME: 1.0,
    SignalKind.SENTIMENT: 0.8,
    SignalKind.CSAT: 1.5,
    SignalKind.NPS: 1.5,
    SignalKind.MEETING: 1.0,
    SignalKind.CALL: 1.0,
    SignalKind.INVOICE_REMINDER: 1.0,
    SignalKind.SILENCE: 1.0,
    SignalKind.BOUNCE: 1.0,
}
# Kinds whose reason quotes the latest signal's note ("rated GW-1042 1/5: 'still broken'").
NOTE_KINDS = (SignalKind.CSAT, SignalKind.NPS, SignalKind.SILENCE, SignalKind.BOUNCE)
MIN_EFFECT = 2  # reasons that moved the score by fewer points are not worth reading

ROLE_LABEL = {
    StakeholderRole.DECISION_MAKER: "boss",
    StakeholderRole.GATEKEEPER: "PA",
    StakeholderRole.BILLING: "financial director",
    StakeholderRole.COMPLAINER: "complainer",
}
ROLE_ORDER = list(ROLE_LABEL)


def to_score(raw: float) -> int:
    return round(50 + 50 * math.tanh(BASELINE + raw / SCALE))


BASELINE_SCORE = to_score(0.0)


def band_of(score: int) -> str:
    if score >= GREEN_FROM:
        return Band.GREEN
    if score < RED_BELOW:
        return Band.RED
    return Band.AMBER


# --- The aggregate over signals -----------------------------------------------------------------


@dataclass
class KindStats:
    now: float = 0.0  # Σ value × decay, as of now
    before_30: float = 0.0  # the same over signals at least 30 days old (decayed to now)
    before_90: float = 0.0
    n30: int = 0
    n90: int = 0
    neg90: int = 0
    pos90: int = 0


@dataclass
class PersonAgg:
    person_id: int
    client_id: int
    kinds: dict[str, KindStats] = field(default_factory=dict)

    def raw(self, column: str = "now") -> float:
        return sum(KIND_WEIGHT.get(k, 1.0) * getattr(s, column) for k, s in self.kinds.items())

    def count(self, kind: str, column: str = "n90") -> int:
        stats = self.kinds.get(kind)
        return getattr(stats, column) if stats else 0


def _age_days_sql() -> str:
    if connection.vendor == "sqlite":
        return "(julianday(%s) - julianday(occurred_at))"
    return "(EXTRACT(EPOCH FROM (%s - occurred_at)) / 86400.0)"


def _db_moment(moment: dt.datetime) -> Any:
    # SQLite keeps naive UTC text; PostgreSQL wants the aware value.
    if connection.vendor == "sqlite":
        return timezone.make_naive(moment, dt.UTC).isoformat(sep=" ")
    return moment


# The three age bands the aggregate reads separately: its sums and counts are sums of these.
OLD, MIDDLE, RECENT = 0, 1, 2  # 90–200 days, 30–90 days, under 30 days


def aggregate(
    now: dt.datetime,
    *,
    person_ids: Sequence[int] | None = None,
) -> dict[int, PersonAgg]:
    """Per person and kind: decayed sums now / 30 / 90 days ago and counts, in one query.

    The query is three parts, one per age band, each grouped by person and kind: on the
    (person, kind, occurred_at, value, client) index every part is a scan in group order that
    needs no sort and no table row, and each row costs one weight and two comparisons instead
    of a CASE per column. Python adds the bands up. At 2.6 M signals in the window: 2.2 s of
    CPU, was 8.8 s (one query sorting every row, and looking each up in the table).
    """
    table = connection.ops.quote_name("happiness_signal")
    # Named on SQLite: with statistics (the worker's PRAGMA optimize) its planner preferred
    # the (person, occurred_at) index and a sort, a lookup in the table per signal.
    hint = " INDEXED BY signal_person_kind_scan" if connection.vendor == "sqlite" else ""
    age = _age_days_sql()
    bounds = [now - dt.timedelta(days=days) for days in (WINDOW_DAYS, 90, 30, 0)]
    where = ["person_id IS NOT NULL", "occurred_at > %s", "occurred_at <= %s"]
    filters: list[Any] = []
    if person_ids is not None:
        where.append(f"person_id IN ({', '.join(['%s'] * len(person_ids)) or 'NULL'})")
        filters.extend(person_ids)
    # Constants and placeholders only: no user input reaches this SQL. The weight is the same
    # expression, per row, as value × exp(-age / TAU_DAYS).
    parts = [
        f"""
        SELECT {band}, person_id, MIN(client_id), kind, COUNT(*),
            SUM(value * EXP(-{age} / {TAU_DAYS})),
            SUM(CASE WHEN value < -0.05 THEN 1 ELSE 0 END),
            SUM(CASE WHEN value > 0.05 THEN 1 ELSE 0 END)
        FROM {table}{hint} WHERE {" AND ".join(where)}
        GROUP BY person_id, kind
        """  # noqa: S608 (constants and placeholders)  # nosec B608
        for band in (OLD, MIDDLE, RECENT)
    ]
    moment = _db_moment(now)
    params: list[Any] = []
    for band in (OLD, MIDDLE, RECENT):
        after, until = _db_moment(bounds[band]), _db_moment(bounds[band + 1])
        params += [moment, after, until, *filters]
    result: dict[int, PersonAgg] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for band, pid, cid, kind, n, w, neg, pos in cursor.fetchall():
            agg = result.get(pid)
            if agg is None:
                agg = result[pid] = PersonAgg(pid, cid)
            elif cid < agg.client_id:
                agg.client_id = cid
            stats = agg.kinds.get(kind)
            if stats is None:
                stats = agg.kinds[kind] = KindStats()
            w = float(w or 0)
            stats.now += w
            if band == RECENT:
                stats.n30 += n
            else:
                stats.before_30 += w
            if band == OLD:
                stats.before_90 += w
            else:
                stats.n90 += n
                stats.neg90 += neg
                stats.pos90 += pos
    for agg in result.values():  # kinds in name order, as reasons that tie are listed
        agg.kinds = dict(sorted(agg.kinds.items()))
    return result


def latest_notes(
    now: dt.datetime,
    *,
    person_ids: Sequence[int] | None = None,
) -> dict[tuple[int, str], tuple[str, float]]:
    """The newest note of each NOTE_KINDS kind per person over the last 180 days."""
    where = [
        "person_id IS NOT NULL",
        f"kind IN ({', '.join(['%s'] * len(NOTE_KINDS))})",
        "occurred_at > %s",
        "occurred_at <= %s",
    ]
    kinds = [SignalKind(kind).value for kind in NOTE_KINDS]  # plain str for every driver
    params: list[Any] = [*kinds, _db_moment(now - dt.timedelta(days=180)), _db_moment(now)]
    if person_ids is not None:
        where.append(f"person_id IN ({', '.join(['%s'] * len(person_ids)) or 'NULL'})")
        params.extend(person_ids)
    # For given people, SQLite's planner took the (person, occurred_at) index and read every
    # signal of theirs from the table; the (person, kind, …) one reads only their notes.
    hint = ""
    if connection.vendor == "sqlite" and person_ids is not None:
        hint = " INDEXED BY signal_person_kind_scan"
    table = connection.ops.quote_name("happiness_signal")
    sql = (
        f"SELECT person_id, kind, note, value FROM {table}{hint} "  # noqa: S608  # nosec B608
        f"WHERE {' AND '.join(where)} ORDER BY occurred_at, id"
    )  # constants and placeholders only
    notes: dict[tuple[int, str], tuple[str, float]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pid, kind, note, value in cursor.fetchall():
            notes[(pid, kind)] = (note, value)  # ascending: the newest wins
    return notes


# --- Person scores ------------------------------------------------------------------------------


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _reason_text(
    kind: str, stats: KindStats, note: tuple[str, float] | None, positive: bool
) -> str:
    n30, n90 = stats.n30, stats.n90
    recent = f"{n30} in the last 30 days" if n30 else f"{n90} in the last 90 days"
    if kind == SignalKind.SLA_BREACHED:
        n, span = (n30, "30") if n30 else (n90, "90")
        breaches = _plural(n, "SLA breach", "SLA breaches")
        return f"{breaches} on their tickets in the last {span} days"
    if kind == SignalKind.SLA_MET:
        return f"SLA met on {_plural(n90, 'ticket')} in the last 90 days"
    if kind == SignalKind.TICKET_OPENED:
        span = "30" if n30 else "90"
        return f"{_plural(n30 or n90, 'ticket')} raised in the last {span} days"
    if kind == SignalKind.TICKET_REOPENED:
        return f"reopened {_plural(n90, 'ticket')} in the last 90 days"
    if kind == SignalKind.ESCALATION:
        return f"{_plural(n90, 'ticket')} escalated in the last 90 days"
    if kind == SignalKind.SENTIMENT:
        if positive:
            return f"{_plural(stats.pos90, 'friendly message')} in the last 90 days"
        return f"{_plural(stats.neg90, 'unhappy message')} in the last 90 days"
    if kind == SignalKind.FIRST_RESPONSE_TIME:
        if positive:
            return f"quick first responses ({stats.pos90} in 90 days)"
        return f"{_plural(stats.neg90, 'slow first response')} in the last 90 days"
    if kind == SignalKind.RESOLUTION_TIME:
        if positive:
            return f"tickets fixed well within target ({stats.pos90} in 90 days)"
        return f"{_plural(stats.neg90, 'ticket')} fixed later than promised in 90 days"
    if kind in (SignalKind.CALL, SignalKind.MEETING):
        what = "call" if kind == SignalKind.CALL else "meeting"
        return f"{_plural(n90, what)} with them in the last 90 days"
    if kind == SignalKind.INVOICE_REMINDER:
        return f"{_plural(n90, 'payment reminder')} sent in the last 90 days"
    if note and note[0]:
        return note[0]
    return f"{SignalKind(kind).label.lower()}: {recent}"


def person_reasons(agg: PersonAgg | None, notes: dict) -> list[dict[str, Any]]:
    """What moved the score, biggest first, each with its effect in points."""
    if agg is None:
        return []
    raw = agg.raw()
    score = to_score(raw)
    reasons = []
    for kind, stats in agg.kinds.items():
        contribution = KIND_WEIGHT.get(kind, 1.0) * stats.now
        effect = score - to_score(raw - contribution)
        if abs(effect) < MIN_EFFECT:
            continue
        note = notes.get((agg.person_id, kind))
        reasons.append(
            {"kind": kind, "effect": effect, "text": _reason_text(kind, stats, note, effect > 0)}
        )
    reasons.sort(key=lambda r: -abs(r["effect"]))
    return reasons


def person_stats(agg: PersonAgg | None) -> dict[str, int]:
    if agg is None:
        return {}
    return {
        "tickets": agg.count(SignalKind.TICKET_OPENED),
        "tickets_30": agg.count(SignalKind.TICKET_OPENED, "n30"),
        "messages": agg.count(SignalKind.SENTIMENT),
        "negative": agg.kinds[SignalKind.SENTIMENT].neg90 if SignalKind.SENTIMENT in agg.kinds
        else 0,
        "reopened": agg.count(SignalKind.TICKET_REOPENED),
        "escalated": agg.count(SignalKind.ESCALATION),
        "breaches": agg.count(SignalKind.SLA_BREACHED),
        "met": agg.count(SignalKind.SLA_MET),
    }


def build_person_score(
    person_id: int, client_id: int, agg: PersonAgg | None, notes: dict, now: dt.datetime
) -> PersonScore:
    if agg is None:
        score = score_30 = score_90 = BASELINE_SCORE
    else:
        score = to_score(agg.raw())
        score_30 = to_score(agg.raw("before_30") * math.exp(30 / TAU_DAYS))
        score_90 = to_score(agg.raw("before_90") * math.exp(90 / TAU_DAYS))
    return PersonScore(
        person_id=person_id,
        client_id=client_id,
        score=score,
        band=band_of(score),
        score_30d=score_30,
        score_90d=score_90,
        reasons=person_reasons(agg, notes),
        stats=person_stats(agg),
        computed_at=now,
    )


_PERSON_FIELDS = ["client", "score", "band", "score_30d", "score_90d", "reasons", "stats", "radar",
                  "computed_at"]  # fmt: skip


def _upsert(model: Any, rows: list[Any], update_fields: list[str]) -> None:
    """INSERT … ON CONFLICT (pk) DO UPDATE for many score rows as one prepared statement.

    bulk_create(update_conflicts=True) builds new SQL for every batch of ~90 rows (SQLite's
    999-parameter limit); executemany prepares one statement for all 20,000 people.
    Values go through each field's get_db_prep_save, as bulk_create's do.
    """
    if not rows:
        return
    opts = model._meta
    fields = opts.concrete_fields
    qn = connection.ops.quote_name
    updated = [opts.get_field(name).column for name in update_fields]
    # Constants only: table and column names from the model.
    columns = ", ".join(qn(f.column) for f in fields)
    sql = (
        f"INSERT INTO {qn(opts.db_table)} ({columns}) "  # noqa: S608  # nosec B608
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({qn(opts.pk.column)}) "
        f"DO UPDATE SET {', '.join(f'{qn(c)} = EXCLUDED.{qn(c)}' for c in updated)}"
    )
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is asked once per value
    params = [tuple(f.get_db_prep_save(getattr(r, f.attname), db) for f in fields) for r in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _save_person_scores(rows: list[PersonScore]) -> None:
    _upsert(PersonScore, rows, _PERSON_FIELDS)


# --- Client facts beyond the people -------------------------------------------------------------


@dataclass
class ClientFacts:
    mrr: Decimal = Decimal(0)
    currency: str = ""
    notice_deadline: dt.date | None = None
    renewal_date: dt.date | None = None
    live: bool = False
    included_minutes: int = 0
    covered_minutes: int = 0
    overdue: list[dict[str, Any]] = field(default_factory=list)


def _contract_facts(today: dt.date, client_ids: Iterable[int] | None) -> dict[int, ClientFacts]:
    from goodwill.contracts.models import Contract
    from goodwill.contracts.status import LIVE_STATUSES, contract_status
    from goodwill.desk.hours import current_period, included_minutes
    from goodwill.desk.models import TimeEntry

    contracts = Contract.objects.all()
    if client_ids is not None:
        contracts = contracts.filter(client_id__in=list(client_ids))
    facts: dict[int, ClientFacts] = defaultdict(ClientFacts)
    periods = {}
    for contract in contracts.only(
        "id", "client_id", "monthly_value", "currency", "notice_deadline", "renewal_date",
        "included_hours", "start_date", "end_date", "billing_cycle", "state", "auto_renew",
    ):
        # The status in Python (contracts.status keeps it equal to the SQL one): a client has
        # a few contracts, and building the SQL CASE cost more than reading them all.
        if contract_status(contract, today) not in LIVE_STATUSES:
            continue
        fact = facts[contract.client_id]
        fact.live = True
        if contract.currency == settings.GOODWILL_CURRENCY or not fact.currency:
            fact.mrr += contract.monthly_value
            fact.currency = fact.currency or contract.currency
        if fact.notice_deadline is None or contract.notice_deadline < fact.notice_deadline:
            fact.notice_deadline = contract.notice_deadline
            fact.renewal_date = contract.renewal_date
        if contract.included_hours:
            fact.included_minutes += included_minutes(contract)
            periods[contract.pk] = (contract.client_id, current_period(contract, today))
    if periods:
        # Covered minutes of each contract within its own current period, summed in SQL on
        # the (contract, work_date) index: one row per contract, not one per day worked.
        ops, qn = connection.ops, connection.ops.quote_name
        ranges, params = [], []
        for contract_id, (_, period) in periods.items():
            ranges.append(f"({qn('contract_id')} = %s AND {qn('work_date')} BETWEEN %s AND %s)")
            params += [contract_id, ops.adapt_datefield_value(period.start),
                       ops.adapt_datefield_value(period.end)]  # fmt: skip
        sql = (
            f"SELECT {qn('contract_id')}, SUM({qn('minutes')}) "  # noqa: S608  # nosec B608
            f"FROM {qn(TimeEntry._meta.db_table)} WHERE {qn('billable')} = %s "
            f"AND ({' OR '.join(ranges)}) GROUP BY {qn('contract_id')}"
        )  # constants and placeholders only
        with connection.cursor() as cursor:
            cursor.execute(sql, [False, *params])
            for contract_id, minutes in cursor.fetchall():
                facts[periods[contract_id][0]].covered_minutes += minutes or 0
    for client_id, invoices in overdue_invoices(today, client_ids).items():
        facts[client_id].overdue = invoices
    return facts


def overdue_invoices(
    today: dt.date, client_ids: Iterable[int] | None = None
) -> dict[int, list[dict[str, Any]]]:
    """Unpaid invoices past their due date, per client, if a billing app keeps invoices.

    Read through this one function so health works with or without billing, and so a billing
    schema in flux cannot break the scores: anything unexpected reads as "no overdue invoices".
    """
    from django.apps import apps

    try:
        invoice = apps.get_model("billing", "Invoice")
    except LookupError:
        return {}
    names = {f.name for f in invoice._meta.get_fields()}
    if not {"client", "due_date"} <= names:
        return {}
    try:
        qs = invoice.objects.filter(due_date__lt=today)
        if "paid_at" in names:
            qs = qs.filter(paid_at__isnull=True)
        if "status" in names:
            qs = qs.exclude(status__in=["paid", "void", "cancelled", "draft", "credited"])
        if "balance" in names:
            qs = qs.filter(balance__gt=0)
        if client_ids is not None:
            qs = qs.filter(client_id__in=list(client_ids))
        number = "number" if "number" in names else "pk"
        result: dict[int, list[dict[str, Any]]] = defaultdict(list)
        with transaction.atomic():  # a savepoint: a failed read must not doom the caller
            for client_id, ref, due in qs.values_list("client_id", number, "due_date")[:5000]:
                result[client_id].append({"number": str(ref), "days": (today - due).days})
        return result
    except Exception:  # billing's schema is not ours to rely on
        logger.warning("Could not read overdue invoices from billing", exc_info=True)
        return {}


# --- Client scores ------------------------------------------------------------------------------


@dataclass
class Member:
    person_id: int
    name: str
    score: int
    band: str
    score_30: int
    reasons: list[dict[str, Any]]
    last_contact_at: dt.datetime | None
    roles: list[str] = field(default_factory=list)
    score_90: int | None = None  # None: as now


def _then(member: Member) -> int:
    """The member's score 90 days ago (their score now when there is none)."""
    return member.score if member.score_90 is None else member.score_90


def _role_weight(role: str) -> float:
    return float(conf.get("ROLE_WEIGHTS").get(role, 1))


def cadence_days(role: str) -> int | None:
    from goodwill.happiness.models import CadenceRule, TouchCadence

    row = TouchCadence.objects.filter(role=role).first()
    if row is not None:
        return row.days if row.rule == CadenceRule.EVERY else None
    return conf.get("CADENCE_DAYS").get(role)


def build_client_score(
    client_id: int,
    members: list[Member],
    sla: tuple[int, int],
    facts: ClientFacts,
    today: dt.date,
    now: dt.datetime,
    boss_cadence: int | None,
) -> ClientScore:
    reasons: list[dict[str, Any]] = []
    # People: each key-role holder with their role's weight, everyone else as one voice.
    weighted = weighted_30 = weighted_90 = total = 0.0
    others = [m for m in members if not m.roles]
    for m in members:
        if not m.roles:
            continue
        w = max(_role_weight(r) for r in m.roles)
        weighted += w * m.score
        weighted_30 += w * m.score_30
        weighted_90 += w * _then(m)
        total += w
        if m.band != Band.GREEN:
            role = ROLE_LABEL[min(m.roles, key=ROLE_ORDER.index)]
            why = "; ".join([r["text"] for r in m.reasons if r["effect"] < 0][:2])
            mood = "unhappy" if m.band == Band.RED else "cooling"
            reasons.append({
                "kind": "person", "person": m.person_id,
                "effect": round(-w * (100 - m.score) / 10),
                "text": f"{role} {mood} ({m.name}{': ' + why if why else ''})",
            })
    if others:
        w = _role_weight("others")
        weighted += w * sum(m.score for m in others) / len(others)
        weighted_30 += w * sum(m.score_30 for m in others) / len(others)
        weighted_90 += w * sum(_then(m) for m in others) / len(others)
        total += w
        unhappy = [m for m in others if m.band == Band.RED]
        if unhappy and len(unhappy) * 4 >= len(others):
            reasons.append({
                "kind": "others", "effect": -len(unhappy),
                "text": f"{len(unhappy)} of the other {len(others)} people are unhappy",
            })
    people = weighted / total if total else float(BASELINE_SCORE)
    people_30 = weighted_30 / total if total else float(BASELINE_SCORE)
    people_90 = weighted_90 / total if total else float(BASELINE_SCORE)
    penalty = 0.0

    met, breached = sla
    if met + breached >= 3:
        compliance = met / (met + breached)
        if compliance < 0.95:
            cost = min(20.0, (0.95 - compliance) * 100)
            penalty += cost
            reasons.append({
                "kind": "sla", "effect": -round(cost),
                "text": f"SLA met on {met} of {met + breached} tickets in 90 days "
                f"({round(compliance * 100)} %)",
            })
    if facts.overdue:
        worst = max(facts.overdue, key=lambda i: i["days"])
        cost = min(15.0, 4 + worst["days"] / 7 + 2 * (len(facts.overdue) - 1))
        penalty += cost
        more = f" and {len(facts.overdue) - 1} more" if len(facts.overdue) > 1 else ""
        reasons.append({
            "kind": "invoices", "effect": -round(cost),
            "text": f"invoice {worst['number']} {worst['days']} days overdue{more}",
        })
    if facts.included_minutes and facts.covered_minutes > facts.included_minutes:
        burn = facts.covered_minutes / facts.included_minutes
        cost = min(10.0, (burn - 1) * 20)
        penalty += cost
        reasons.append({
            "kind": "hours", "effect": -round(cost),
            "text": f"used {round(burn * 100)} % of the included hours this period",
        })
    bosses = [m for m in members if StakeholderRole.DECISION_MAKER in m.roles]
    if facts.live and bosses and boss_cadence:
        boss = bosses[0]
        days = (now - boss.last_contact_at).days if boss.last_contact_at else None
        if days is None or days > boss_cadence * 2 // 3:
            cost = 8.0 if days is None else min(10.0, 3 + 7 * (days - boss_cadence * 2 / 3)
                                                / boss_cadence)
            penalty += cost
            reasons.append({
                "kind": "contact", "person": boss.person_id, "effect": -round(cost),
                "text": f"boss ({boss.name}) "
                + ("never contacted" if days is None else f"not contacted for {days} days"),
            })
    health = max(0, min(100, round(people - penalty)))
    # Then as now, the facts' penalty is today's: the trends are the people's.
    health_30 = max(0, min(100, round(people_30 - penalty)))
    health_90 = max(0, min(100, round(people_90 - penalty)))
    risk = 0
    if facts.live:
        days_left = (facts.notice_deadline - today).days if facts.notice_deadline else 365
        sharpen = 1.3 if days_left <= 30 else 1.15 if days_left <= 90 else (
            1.0 if days_left <= 180 else 0.85)
        risk = max(0, min(100, round((100 - health - 20) * 1.25 * sharpen)))
        if risk and days_left <= 90 and facts.renewal_date:
            reasons.append({
                "kind": "renewal", "effect": 0,
                "text": f"renews {facts.renewal_date:%-d %b %Y}; notice by "
                f"{facts.notice_deadline:%-d %b} ({max(days_left, 0)} days)",
            })
    reasons.sort(key=lambda r: r["effect"])
    stake = (facts.mrr * Decimal(risk) / 100).quantize(Decimal("0.01"))
    return ClientScore(
        client_id=client_id,
        health=health,
        band=band_of(health),
        risk=risk,
        mrr=facts.mrr,
        stake=stake,
        health_30d=health_30,
        health_90d=health_90,
        reasons=reasons,
        computed_at=now,
    )


_CLIENT_FIELDS = ["health", "band", "risk", "mrr", "stake", "health_30d", "health_90d", "reasons",
                  "computed_at"]  # fmt: skip


def _save_client_scores(rows: list[ClientScore]) -> None:
    _upsert(ClientScore, rows, _CLIENT_FIELDS)


def _members(
    person_rows: Iterable[tuple], scores: dict[int, PersonScore], roles: dict[int, list[str]]
) -> dict[int, list[Member]]:
    by_client: dict[int, list[Member]] = defaultdict(list)
    for pid, cid, first, last, last_contact in person_rows:
        s = scores.get(pid)
        score = s.score if s else BASELINE_SCORE
        by_client[cid].append(Member(
            person_id=pid,
            name=f"{first} {last}".strip(),
            score=score,
            band=s.band if s else band_of(score),
            score_30=(s.score_30d if s and s.score_30d is not None else score),
            score_90=(s.score_90d if s and s.score_90d is not None else score),
            reasons=s.reasons if s else [],
            last_contact_at=last_contact,
            roles=roles.get(pid, []),
        ))
    return by_client


def _roles(client_id: int | None = None) -> dict[int, list[str]]:
    qs = PersonRole.objects.filter(dismissed_at__isnull=True, person__is_active=True)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    roles: dict[int, list[str]] = defaultdict(list)
    for pid, role in qs.values_list("person_id", "role"):
        roles[pid].append(role)
    return roles


def _sla_counts(aggs: Iterable[PersonAgg]) -> dict[int, tuple[int, int]]:
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for agg in aggs:
        counts[agg.client_id][0] += agg.count(SignalKind.SLA_MET)
        counts[agg.client_id][1] += agg.count(SignalKind.SLA_BREACHED)
    return {cid: (m, b) for cid, (m, b) in counts.items()}


# --- Entry points -------------------------------------------------------------------------------


class _Clock:
    """Wall and CPU seconds per phase (the shared machine's wall clock alone misleads)."""

    def __init__(self) -> None:
        self.phases: dict[str, tuple[float, float]] = {}
        self.started = self._mark = (time.perf_counter(), time.process_time())

    def lap(self, phase: str) -> None:
        mark = (time.perf_counter(), time.process_time())
        self.phases[phase] = (mark[0] - self._mark[0], mark[1] - self._mark[1])
        self._mark = mark

    def total(self) -> tuple[float, float]:
        return self._mark[0] - self.started[0], self._mark[1] - self.started[1]


@dataclass
class RecomputeResult:
    people: int
    clients: int
    seconds: float
    cpu_seconds: float = 0.0
    phases: dict[str, tuple[float, float]] = field(default_factory=dict)  # (wall, CPU) s

    def __str__(self) -> str:
        return f"{self.people} people and {self.clients} clients scored in {self.seconds:.2f} s"


def recompute_all(now: dt.datetime | None = None) -> RecomputeResult:
    """Rebuild every score from the signals (set-based: one scan of the signal table)."""
    from django.db.models import Q

    from goodwill.clients.models import Client
    from goodwill.happiness import radar

    clock = _Clock()
    now = now or timezone.now()
    today = timezone.localdate(now)
    aggs = aggregate(now)
    clock.lap("signals")
    notes = latest_notes(now)
    person_rows = list(
        Person.objects.filter(is_active=True, client__is_active=True).values_list(
            "pk", "client_id", "first_name", "last_name", "last_contact_at"
        )
    )
    roles = _roles()
    clock.lap("people")
    scores = {
        pid: build_person_score(pid, cid, aggs.get(pid), notes, now)
        for pid, cid, *_ in person_rows
    }
    clock.lap("person scores")
    radar.flag(scores.values(), roles, dismissed=radar.dismissed_ids())
    clock.lap("radar")
    facts = _contract_facts(today, None)
    sla = _sla_counts(aggs.values())
    boss_cadence = cadence_days(StakeholderRole.DECISION_MAKER)
    members = _members(person_rows, scores, roles)
    client_ids = list(Client.objects.filter(is_active=True).values_list("pk", flat=True))
    clients = [
        build_client_score(
            cid, members.get(cid, []), sla.get(cid, (0, 0)), facts.get(cid, ClientFacts()),
            today, now, boss_cadence,
        )
        for cid in client_ids
    ]
    clock.lap("client scores")
    with transaction.atomic():
        _save_person_scores(list(scores.values()))
        _save_client_scores(clients)
        PersonScore.objects.filter(~Q(person_id__in=Person.objects.filter(
            is_active=True, client__is_active=True).values("pk"))).delete()
        ClientScore.objects.exclude(client_id__in=client_ids).delete()
    clock.lap("save")
    wall, cpu = clock.total()
    return RecomputeResult(len(scores), len(clients), wall, cpu, clock.phases)


def refresh_person(
    person_id: int, now: dt.datetime | None = None, *, with_client: bool = True
) -> PersonScore | None:
    """Recompute one person's score, then their client's health (after each new signal)."""
    now = now or timezone.now()
    score = _refresh_people([person_id], now).get(person_id)
    if score is not None and with_client:
        refresh_client(score.client_id, now)
    return score


def refresh_client(client_id: int, now: dt.datetime | None = None) -> ClientScore:
    """Recompute one client's health from its people's cached scores and its facts."""
    return _refresh_clients([client_id], now or timezone.now())[0]


def refresh_many(
    person_ids: Iterable[int], client_ids: Iterable[int], now: dt.datetime | None = None
) -> None:
    """refresh_person for each of `person_ids`, then refresh_client for their clients and
    `client_ids`, read and written for all of them at once (after a batch of mail, where one
    by one cost more than the rest of the batch together)."""
    now = now or timezone.now()
    people = _refresh_people(sorted(set(person_ids)), now)
    clients = set(client_ids) | {score.client_id for score in people.values()}
    if clients:
        _refresh_clients(sorted(clients), now)


def _refresh_people(person_ids: Sequence[int], now: dt.datetime) -> dict[int, PersonScore]:
    """Recompute and save the scores of these people (those that exist)."""
    people = list(Person.objects.filter(pk__in=person_ids).values_list("pk", "client_id"))
    aggs: dict[int, PersonAgg] = {}
    notes: dict[tuple[int, str], tuple[str, float]] = {}
    for start in range(0, len(people), 500):  # well under any database's parameter limit
        part = [pid for pid, _ in people[start : start + 500]]
        aggs.update(aggregate(now, person_ids=part))
        notes.update(latest_notes(now, person_ids=part))
    scores = {
        pid: build_person_score(pid, cid, aggs.get(pid), notes, now) for pid, cid in people
    }
    _save_person_scores(list(scores.values()))
    return scores


def _refresh_clients(client_ids: Sequence[int], now: dt.datetime) -> list[ClientScore]:
    """Recompute and save these clients' health, in their order, from their people's cached
    scores: radar findings, SLA counts (already in the people's 90-day stats: no scan of the
    signals) and the contract facts."""
    from goodwill.happiness import radar

    today = timezone.localdate(now)
    person_rows = list(
        Person.objects.filter(client_id__in=client_ids, is_active=True).values_list(
            "pk", "client_id", "first_name", "last_name", "last_contact_at"
        )
    )
    scores = {s.person_id: s for s in PersonScore.objects.filter(client_id__in=client_ids)}
    # The clients' roles in one read: live ones weigh, dismissed complainers stay unflagged.
    roles: dict[int, list[str]] = defaultdict(list)
    dismissed = set()
    for pid, role, dismissed_at, active in PersonRole.objects.filter(
        client_id__in=client_ids
    ).values_list("person_id", "role", "dismissed_at", "person__is_active"):
        if dismissed_at is None and active:
            roles[pid].append(role)
        elif dismissed_at is not None and role == StakeholderRole.COMPLAINER:
            dismissed.add(pid)
    before = {pid: s.radar for pid, s in scores.items()}
    radar.flag(scores.values(), roles, dismissed=dismissed)
    # Only findings that changed are written (it was every flagged person, every signal).
    changed = [s for pid, s in scores.items() if s.radar != before[pid]]
    if changed:
        update_each(changed, ["radar"])
    sla: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for score in scores.values():
        sla[score.client_id][0] += score.stats.get("met", 0)
        sla[score.client_id][1] += score.stats.get("breaches", 0)
    facts = _contract_facts(today, client_ids)
    members = _members(person_rows, scores, roles)
    boss_cadence = cadence_days(StakeholderRole.DECISION_MAKER)
    health = [
        build_client_score(
            cid, members.get(cid, []), (sla[cid][0], sla[cid][1]),
            facts.get(cid, ClientFacts()), today, now, boss_cadence,
        )
        for cid in client_ids
    ]  # fmt: skip
    _save_client_scores(health)
    return health


@dataclass
class _Pending:
    people: set[int] = field(default_factory=set)
    clients: set[int] = field(default_factory=set)


# Inside deferred_scoring(), new signals only note who needs rescoring.
_deferred: ContextVar[_Pending | None] = ContextVar("goodwill_deferred_scoring", default=None)


@contextmanager
def deferred_scoring() -> Iterator[None]:
    """Rescore each person and client touched inside the block once, at its end.

    For batches (mail intake, imports): rescoring the client after every signal made scoring
    most of the cost of ingesting a message. Nested blocks leave the work to the outermost.
    """
    if _deferred.get() is not None:
        yield
        return
    pending = _Pending()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
        _rescore(pending)


def _rescore(pending: _Pending) -> None:
    try:
        with transaction.atomic():
            refresh_many(pending.people, pending.clients)
    except Exception:  # a score can always be rebuilt; the batch's signals are safe
        logger.exception("Could not refresh scores after a batch of signals")


def on_signal(signal: Any) -> None:
    """Called by record_signal: keep the person's and the client's scores current."""
    pending = _deferred.get()
    if pending is not None:
        if signal.person_id:
            pending.people.add(signal.person_id)
        else:
            pending.clients.add(signal.client_id)
        return
    try:
        with transaction.atomic():
            if signal.person_id:
                refresh_person(signal.person_id)
            else:
                refresh_client(signal.client_id)
    except Exception:  # a score can always be rebuilt; the signal itself must not be lost
        logger.exception("Could not refresh scores after signal %s", signal.pk)
