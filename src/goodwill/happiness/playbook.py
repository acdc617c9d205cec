"""The playbook: touch cadences per role, the next actions they generate, and the daily digest.

Rules run as a worker job (`generate(now)`): each proposes actions with a key naming the
occasion ("check-in:<person>:<last contact day>"), so re-running proposes nothing twice; an
open action whose occasion has passed (the person was called) closes itself. Actions are
ranked by what is at stake: the client's MRR × contract-loss risk.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from goodwill.clients.models import KEY_ROLES, Person, StakeholderRole
from goodwill.happiness import conf, scores
from goodwill.happiness.models import (
    ActionStatus,
    Band,
    CadenceRule,
    ClientScore,
    NextAction,
    PersonScore,
    Signal,
    SignalKind,
    TouchCadence,
)

logger = logging.getLogger("goodwill.happiness")

ROLE_NAME = {
    StakeholderRole.DECISION_MAKER: "boss",
    StakeholderRole.GATEKEEPER: "PA",
    StakeholderRole.BILLING: "financial director",
    StakeholderRole.COMPLAINER: "complainer",
}
DEFAULT_RULES = {
    StakeholderRole.DECISION_MAKER: (CadenceRule.EVERY, 90),
    StakeholderRole.GATEKEEPER: (CadenceRule.EVERY, 30),
    StakeholderRole.BILLING: (CadenceRule.BEFORE_INVOICE, 0),
    StakeholderRole.COMPLAINER: (CadenceRule.AFTER_TICKET, 0),
}
SILENCE_VALUE = {StakeholderRole.DECISION_MAKER: -0.4, StakeholderRole.GATEKEEPER: -0.25}
LEADER_WORDS = re.compile(
    r"\b(director|managing|ceo|cfo|chief|owner|finance|financial|partner|head of)\b", re.I
)
MIN_STAKE_RISK = 5  # every action weighs at least 5 % of the client's MRR, so MRR breaks ties


# --- Cadences -----------------------------------------------------------------------------------


def cadences() -> dict[str, tuple[str, int]]:
    """role → (rule, days), the saved ones over the defaults (settings may change the days)."""
    result = dict(DEFAULT_RULES)
    for role, days in conf.get("CADENCE_DAYS").items():
        result[role] = (CadenceRule.EVERY, days)
    for row in TouchCadence.objects.all():
        result[row.role] = (row.rule, row.days)
    return result


def save_cadence(role: str, rule: str, days: int) -> TouchCadence:
    StakeholderRole(role)
    CadenceRule(rule)
    if rule == CadenceRule.EVERY and not 1 <= days <= 730:
        raise ValueError("Choose between 1 and 730 days.")
    row, _ = TouchCadence.objects.update_or_create(role=role, defaults={"rule": rule, "days": days})
    return row


# --- Silence ------------------------------------------------------------------------------------


def record_silences(now: dt.datetime) -> int:
    """Daily job: a signal for each key person past their role's touch cadence (again at each
    further cadence they stay silent)."""
    from goodwill.happiness.signals import record

    recorded = 0
    for role, (rule, days) in cadences().items():
        if rule != CadenceRule.EVERY or not days:
            continue
        cutoff = now - dt.timedelta(days=days)
        people = (
            Person.objects.with_role(role)
            .filter(is_active=True, client__is_active=True)
            .filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True,
                                                      created_at__lt=cutoff))
            .values_list("pk", "client_id", "last_contact_at", "created_at")
        )
        for pid, cid, last, created in people:
            since = last or created
            silent = (now - since).days
            what = (f"not contacted for {silent} days" if last
                    else f"never contacted ({silent} days on file)")
            key = f"silence:{pid}:{since:%Y%m%d}:{silent // days}"
            if Signal.objects.filter(key=key).exists():
                continue
            record(
                kind=SignalKind.SILENCE, value=SILENCE_VALUE.get(role, -0.25), occurred_at=now,
                person_id=pid, client_id=cid, source="playbook:cadence", key=key,
                note=what, details={"days": silent, "cadence": days, "role": role},
            )
            recorded += 1
    return recorded


# --- Next actions -------------------------------------------------------------------------------


@dataclass
class Proposal:
    key: str
    rule: str
    client_id: int
    person_id: int | None
    title: str
    why: str = ""
    link: str = ""


def booking_link(person_id: int) -> str:
    """Scheduling's booking page for a review with this person (its URL if it exists yet)."""
    try:
        base = reverse("scheduling:book")
    except NoReverseMatch:
        base = "/calendar/book/"
    return f"{base}?person={person_id}&type=review"


def _first(name: str) -> str:
    return name.split(" ")[0] if name else name


def _people_by_role(client_ids: set[int] | None = None) -> dict[str, list[dict[str, Any]]]:
    rows = Person.objects.filter(
        is_active=True, client__is_active=True, roles__dismissed_at__isnull=True,
        roles__role__in=list(ROLE_NAME),
    ).values("pk", "client_id", "first_name", "last_name", "last_contact_at", "created_at",
             "roles__role")
    by_role: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_role[row["roles__role"]].append(row)
    return by_role


def propose(now: dt.datetime) -> list[Proposal]:
    """Every action the rules call for right now."""
    from goodwill.contracts.models import Contract
    from goodwill.contracts.status import LIVE_STATUSES, with_status
    from goodwill.desk.models import Ticket, open_only

    today = timezone.localdate(now)
    live = {
        c.client_id: c
        for c in with_status(Contract.objects.all(), today)
        .filter(status__in=LIVE_STATUSES).order_by("-notice_deadline")
    }
    health = ClientScore.objects.in_bulk(list(live))
    person_scores = {
        s.person_id: s for s in PersonScore.objects.filter(client_id__in=list(live))
        .exclude(band=Band.GREEN)
    }
    rules = cadences()
    by_role = _people_by_role()
    proposals: list[Proposal] = []

    for role in (StakeholderRole.DECISION_MAKER, StakeholderRole.GATEKEEPER):
        rule, days = rules.get(role, (CadenceRule.EVERY, 0))
        for p in by_role.get(role, []):
            if p["client_id"] not in live:
                continue
            name = f"{p['first_name']} {p['last_name']}".strip()
            label = ROLE_NAME[role]
            last = p["last_contact_at"]
            silent = (now - (last or p["created_at"])).days
            contract = live[p["client_id"]]
            client_health = health.get(p["client_id"])
            to_renewal = (contract.renewal_date - today).days
            score = person_scores.get(p["pk"])
            if role == StakeholderRole.DECISION_MAKER and to_renewal <= 90 and client_health \
                    and client_health.band != Band.GREEN:
                why = "; ".join(r["text"] for r in client_health.reasons[:2])
                proposals.append(Proposal(
                    key=f"review:{p['pk']}:{contract.renewal_date:%Y%m%d}", rule="review",
                    client_id=p["client_id"], person_id=p["pk"],
                    title=f"Schedule a review with {name} (boss) — renewal in {to_renewal} days "
                    f"and health is {client_health.band}",
                    why=why, link=booking_link(p["pk"]),
                ))
            elif score is not None and score.band == Band.RED:
                why = "; ".join([r["text"] for r in score.reasons if r["effect"] < 0][:2])
                proposals.append(Proposal(
                    key=f"unhappy:{p['pk']}:{(last or p['created_at']):%Y%m%d}", rule="unhappy",
                    client_id=p["client_id"], person_id=p["pk"],
                    title=f"Call {name} ({label}) — unhappy: {why}"[:200], why=why,
                ))
            elif rule == CadenceRule.EVERY and days and silent >= days:
                title = (f"Call {name} ({label})" if role == StakeholderRole.DECISION_MAKER
                         else f"Check in with {name} ({label})")
                proposals.append(Proposal(
                    key=f"check-in:{p['pk']}:{(last or p['created_at']):%Y%m%d}",
                    rule="check_in", client_id=p["client_id"], person_id=p["pk"],
                    title=f"{title} — {silent} days since last contact"
                    if last else f"{title} — never contacted",
                    why=f"The playbook says every {days} days for the {label}.",
                ))

    # The financial director, before the next payment reminder on an overdue invoice.
    overdue = scores.overdue_invoices(today, list(live))
    for p in by_role.get(StakeholderRole.BILLING, []):
        invoices = overdue.get(p["client_id"])
        if not invoices:
            continue
        worst = max(invoices, key=lambda i: i["days"])
        name = f"{p['first_name']} {p['last_name']}".strip()
        proposals.append(Proposal(
            key=f"fd:{p['pk']}:{worst['number']}", rule="before_reminder",
            client_id=p["client_id"], person_id=p["pk"],
            title=f"Ring {name} (financial director) before the next reminder on "
            f"{worst['number']}",
            why=f"{worst['number']} is {worst['days']} days overdue; a call lands better than "
            "a reminder.",
        ))

    # The complainer: after each of their tickets is resolved, and before an SLA slips.
    complainers = {p["pk"]: p for p in by_role.get(StakeholderRole.COMPLAINER, [])}
    if complainers:
        recent = Ticket.objects.filter(
            requester_id__in=list(complainers), resolved_at__gte=now - dt.timedelta(days=3)
        ).values_list("pk", "number", "requester_id", "client_id", "subject")
        for pk, number, pid, cid, subject in recent:
            name = f"{complainers[pid]['first_name']} {complainers[pid]['last_name']}".strip()
            proposals.append(Proposal(
                key=f"complainer:{pk}:resolved", rule="after_ticket", client_id=cid,
                person_id=pid,
                title=f"Call {name} (complainer) about GW-{number} — resolved; check they "
                "agree"[:200],
                why=f"\u201c{subject[:80]}\u201d. A call after each fix stops the next ticket.",
                link=reverse("desk:ticket", args=[number]),
            ))
        due = Ticket.objects.filter(
            open_only(), requester_id__in=list(complainers),
            queue_key__lte=now + dt.timedelta(hours=4),
        ).values_list("pk", "number", "requester_id", "client_id", "resolution_due_at",
                      "first_response_due_at")
        for pk, number, pid, cid, resolution_due, response_due in due:
            when = min(d for d in (resolution_due, response_due, now) if d)
            if when < now:
                continue
            hours = max(1, round((when - now).total_seconds() / 3600))
            name = f"{complainers[pid]['first_name']} {complainers[pid]['last_name']}".strip()
            proposals.append(Proposal(
                key=f"complainer:{pk}:due", rule="complainer_sla", client_id=cid,
                person_id=pid,
                title=f"Update {name} (complainer) on GW-{number} yourself — SLA due in "
                f"{hours} h",
                link=reverse("desk:ticket", args=[number]),
            ))

    proposals.extend(_stakeholder_changes(now, set(live)))
    return proposals


def _stakeholder_changes(now: dt.datetime, live: set[int]) -> list[Proposal]:
    """Bounces from key people, and new senders signing as a director or in finance."""
    proposals = []
    key_people = set(
        Person.objects.filter(roles__role__in=KEY_ROLES, roles__dismissed_at__isnull=True)
        .values_list("pk", flat=True)
    )
    bounces = Signal.objects.filter(
        kind=SignalKind.BOUNCE, occurred_at__gte=now - dt.timedelta(days=30),
        person_id__in=key_people,
    ).select_related("person")
    for signal in bounces:
        person = signal.person
        proposals.append(Proposal(
            key=f"stakeholder:bounce:{person.pk}", rule="stakeholder_change",
            client_id=signal.client_id, person_id=person.pk,
            title=f"Your contact may have changed at {person.client}: mail to "
            f"{person.full_name} bounced",
            why=signal.note or f"Mail to {person.email} bounced on {signal.occurred_at:%-d %b}.",
            link=person.get_absolute_url(),
        ))
    newcomers = Person.objects.filter(
        needs_role_review=True, is_active=True, client_id__in=live,
        created_at__gte=now - dt.timedelta(days=30),
    ).select_related("client")
    for person in newcomers:
        signature = person.job_title or ""
        if not LEADER_WORDS.search(signature):
            from goodwill.desk.models import Message

            last = (Message.objects.filter(author_person=person).order_by("-created_at")
                    .values_list("body", flat=True).first()) or ""
            signature = " ".join(last.strip().splitlines()[-4:])
        match = LEADER_WORDS.search(signature)
        if not match:
            continue
        proposals.append(Proposal(
            key=f"stakeholder:new:{person.pk}", rule="stakeholder_change",
            client_id=person.client_id, person_id=person.pk,
            title=f"Your boss contact may have changed: {person.full_name} writes from "
            f"{person.client} signing as {match.group(0).lower()}",
            why="A new sender at the client's domain signs as a director or in finance. "
            "Check who decides the renewal now.",
            link=person.get_absolute_url(),
        ))
    return proposals


def generate(now: dt.datetime | None = None) -> int:
    """Worker job: create the proposed actions, close those whose occasion passed, wake
    snoozed ones. Returns how many actions were created."""
    now = now or timezone.now()
    proposals = propose(now)
    clients = {c.pk: c for c in _clients({p.client_id for p in proposals})}
    health = ClientScore.objects.in_bulk(list(clients))
    created = 0
    keys = set()
    for p in proposals:
        keys.add(p.key)
        client = clients.get(p.client_id)
        if client is None:
            continue
        score = health.get(p.client_id)
        risk = max(score.risk if score else 0, MIN_STAKE_RISK)
        stake = ((score.mrr if score else Decimal(0)) * Decimal(risk) / 100).quantize(
            Decimal("0.01")
        )
        try:
            with transaction.atomic():
                _, was_created = NextAction.objects.get_or_create(
                    key=p.key,
                    defaults={
                        "rule": p.rule, "client_id": p.client_id, "person_id": p.person_id,
                        "account_manager_id": client.account_manager_id,
                        "title": p.title[:200], "why": p.why[:300], "link": p.link[:300],
                        "stake": stake, "created_at": now,
                    },
                )
        except IntegrityError:
            continue
        if not was_created:
            NextAction.objects.filter(key=p.key, status=ActionStatus.OPEN).update(stake=stake)
        created += was_created
    # The occasion passed (they were called, the invoice was paid): the action closes itself.
    NextAction.objects.filter(status=ActionStatus.OPEN).exclude(key__in=keys).update(
        status=ActionStatus.DONE, done_at=now
    )
    NextAction.objects.filter(status=ActionStatus.SNOOZED, snoozed_until__lte=now).update(
        status=ActionStatus.OPEN, snoozed_until=None
    )
    return created


def _clients(ids: set[int]):
    from goodwill.clients.models import Client

    return Client.objects.filter(pk__in=ids).only("pk", "account_manager_id")


def actions_for(user: Any, limit: int = 10):
    """Today's open actions: the account manager's own, or everyone's for the owner."""
    qs = NextAction.objects.filter(status=ActionStatus.OPEN).select_related(
        "client", "person", "account_manager"
    )
    if getattr(user, "role", "") == "account_manager":
        qs = qs.filter(account_manager=user)
    return qs.order_by("-stake", "created_at")[:limit]


# --- Acting on an action ------------------------------------------------------------------------


@transaction.atomic
def mark_done(action: NextAction, *, by: Any, now: dt.datetime | None = None) -> NextAction:
    """Done: it counts as a touch with the person (a call signal and their last contact)."""
    from goodwill.clients.services import record_contact
    from goodwill.happiness.signals import record_signal

    now = now or timezone.now()
    action.status = ActionStatus.DONE
    action.done_at = now
    action.done_by = by
    action.save(update_fields=["status", "done_at", "done_by"])
    if action.person_id:
        record_contact(action.person, when=now)
        record_signal(
            kind=SignalKind.CALL, value=0.3, occurred_at=now, person=action.person,
            source=f"action:{action.pk}", key=f"action:{action.pk}",
            note=f"{by.get_full_name() or by}: {action.title}"[:300],
        )
    return action


def snooze(action: NextAction, *, days: int = 3, now: dt.datetime | None = None) -> NextAction:
    now = now or timezone.now()
    action.status = ActionStatus.SNOOZED
    action.snoozed_until = now + dt.timedelta(days=days)
    action.save(update_fields=["status", "snoozed_until"])
    return action


def dismiss(action: NextAction, *, by: Any) -> NextAction:
    action.status = ActionStatus.DISMISSED
    action.done_by = by
    action.save(update_fields=["status", "done_by"])
    return action


# --- Daily digest -------------------------------------------------------------------------------


def send_digests(now: dt.datetime) -> int:
    """Daily job: tell each account manager which of their clients and key people changed band
    since the last digest (one e-mail per manager per day)."""
    from goodwill.accounts.models import User
    from goodwill.core import outbox

    today = timezone.localdate(now)
    changed_clients = list(
        ClientScore.objects.exclude(band=F("notified_band"))
        .select_related("client", "client__account_manager")
    )
    key_people = Person.objects.filter(
        roles__role__in=KEY_ROLES, roles__dismissed_at__isnull=True
    ).values("pk")
    changed_people = list(
        PersonScore.objects.filter(person_id__in=key_people)
        .exclude(band=F("notified_band"))
        .select_related("person", "client", "client__account_manager")
    )
    lines: dict[int, list[str]] = defaultdict(list)
    owners = list(User.objects.filter(role="owner", is_active=True).exclude(email=""))
    for score in changed_clients:
        if score.notified_band:  # a first score is a baseline, not news
            lines[score.client.account_manager_id or 0].append(
                f"{score.client}: {score.notified_band} → {score.band} (health {score.health})"
                + (f" — {score.reasons[0]['text']}" if score.reasons else "")
            )
    for score in changed_people:
        if score.notified_band:
            lines[score.client.account_manager_id or 0].append(
                f"{score.person} at {score.client}: {score.notified_band} → {score.band}"
                + (f" — {score.reasons[0]['text']}" if score.reasons else "")
            )
    sent = 0
    base = conf.get("BASE_URL").rstrip("/")
    for manager_id, changes in lines.items():
        recipients = (
            list(owners) if manager_id == 0
            else list(User.objects.filter(pk=manager_id, is_active=True).exclude(email=""))
        )
        for user in recipients:
            outbox.enqueue(
                kind="digest",
                to=[user.email],
                subject=f"Goodwill: {len(changes)} change{'s' if len(changes) != 1 else ''} in "
                f"happiness, {today:%-d %b}",
                text="These changed band since yesterday:\n\n"
                + "\n".join(f"- {c}" for c in changes)
                + f"\n\nThe portfolio at a glance: {base}{reverse('happiness:index')}\n",
                context=f"digest:{user.pk}",
                dedupe_key=f"digest:{user.pk}:{today:%Y-%m-%d}",
            )
            sent += 1
    for model, rows in ((ClientScore, changed_clients), (PersonScore, changed_people)):
        for row in rows:
            row.notified_band = row.band
        model.objects.bulk_update(rows, ["notified_band"], batch_size=1000)
    return sent


def recompute_daily(now: dt.datetime) -> int:
    """Daily job: decay moves scores even without new signals; rebuild them all."""
    return scores.recompute_all(now).people

