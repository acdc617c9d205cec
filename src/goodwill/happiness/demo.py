"""Demo data for happiness: signals backfilled from the demo tickets, then a story a visitor
sees in a minute. Most clients stay green; overdue invoices (billing's demo) make a few amber;
one client goes red because its boss had three breached P1 tickets and rated one of them 1/5;
one person at another client is the detected complainer, with the rest of the office's better
view beside them; survey answers across the portfolio; and a ranked list of next actions.

The story reuses the demo's own recent tickets (who raised them, their words, priority and SLA
outcome), so the desk demo keeps its shape and no notification or webhook goes to the made-up
demo addresses. Per-client work is capped, so this stays fast at 500
clients; scores are computed once, set-based, at the end.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Count

from goodwill.clients.models import Client, Person, PersonRole, RoleSource, StakeholderRole
from goodwill.happiness import backfill, playbook, scores, surveys
from goodwill.happiness.models import (
    ClientScore,
    NextAction,
    PersonScore,
    Signal,
    SignalKind,
    SurveyKind,
    SurveyRequest,
)

ANGRY = (
    "This is the third time this month the server has gone down. Completely unacceptable.",
    "Still broken. Nobody called me back and the whole practice is sitting idle again.",
    "Why does this keep happening? We are losing patients over this.",
)
COMPLAINTS = (
    "The printer is jammed AGAIN. Useless. Why can nobody fix this properly?",
    "My laptop is slow again, this is ridiculous, I have reported it five times.",
    "Outlook keeps crashing. Terrible. I am fed up with this.",
    "Wi-Fi dropped again in the back office. Awful, it never works.",
    "Still waiting. This is the worst service, honestly.",
)
PRAISE = (
    "Quick and painless, thank you!",
    "Sorted within the hour, great job.",
    "",
    "Very helpful, thanks.",
)
SURVEYS_PER_CLIENT = 4


def _recent_resolved(client_id: int, now: dt.datetime, days: int, limit: int) -> list[Any]:
    from goodwill.desk.models import Ticket

    return list(
        Ticket.objects.filter(
            client_id=client_id, status__in=("resolved", "closed"),
            opened_at__gte=now - dt.timedelta(days=days), resolved_at__lte=now,
        ).order_by("-opened_at")[:limit]
    )


def _take_over(tickets: list[Any], person: Person, bodies: tuple[str, ...], *,
               priority: str | None = None, breached: bool = False) -> None:
    """Make existing demo tickets this person's story: they raised them, in these words.

    The desk demo's invariants hold (same messages, events and times): only who asked, what
    they said, the priority and the SLA outcome change."""
    from goodwill.desk.models import Message, Ticket, TicketEvent

    for n, ticket in enumerate(tickets):
        old = ticket.requester_id
        changes: dict[str, Any] = {"requester_id": person.pk}
        if priority:
            changes["priority"] = priority
        if breached:
            changes.update(
                sla_breached=True,
                first_response_due_at=ticket.opened_at + dt.timedelta(hours=1),
                resolution_due_at=ticket.opened_at + dt.timedelta(hours=4),
            )
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        theirs = Message.objects.filter(ticket=ticket, author_person_id=old).order_by("created_at")
        first = theirs.first()
        theirs.update(author_person_id=person.pk)
        if first is not None:
            Message.objects.filter(pk=first.pk).update(body=bodies[n % len(bodies)])
        TicketEvent.objects.filter(ticket=ticket, actor_person_id=old).update(
            actor_person_id=person.pk
        )


def _live_clients(today: dt.date) -> list[tuple[Client, Any]]:
    from goodwill.contracts.models import Contract
    from goodwill.contracts.status import LIVE_STATUSES, with_status

    contracts = (
        with_status(Contract.objects.select_related("client"), today)
        .filter(status__in=LIVE_STATUSES, client__is_active=True)
        .order_by("client__name", "-start_date")
    )
    seen: dict[int, tuple[Client, Any]] = {}
    for contract in contracts:
        seen.setdefault(contract.client_id, (contract.client, contract))
    return list(seen.values())


Answer = tuple[SurveyRequest, int, str, dt.datetime]


def _red_client(context: Any, rng: random.Random, live: list) -> tuple[str, list[Answer]]:
    today, now = context.today, context.now
    bosses = {
        p.client_id: p for p in Person.objects.with_role(StakeholderRole.DECISION_MAKER)
        .filter(is_active=True).order_by("pk")
    }
    # The biggest account renewing in the next 30–120 days whose boss we know.
    candidates = sorted(
        [(c, k) for c, k in live if c.pk in bosses],
        key=lambda ck: (not 30 <= (ck[1].renewal_date - today).days <= 120,
                        -ck[1].monthly_value, ck[0].name),
    )
    for client, _ in candidates[:10]:
        tickets = _recent_resolved(client.pk, now, 30, 3)
        if len(tickets) == 3:
            break
    else:
        return "", []
    boss = bosses[client.pk]
    _take_over(tickets, boss, ANGRY, priority="P1", breached=True)
    Person.objects.filter(pk=boss.pk).update(last_contact_at=now - dt.timedelta(days=74))
    rated = tickets[0]
    survey = SurveyRequest.objects.create(
        kind=SurveyKind.CSAT, person=boss, client=client, ticket=rated, scale=5,
        sent_at=rated.resolved_at + dt.timedelta(hours=1),
    )
    return f"{client.name} (boss {boss.full_name})", [
        (survey, 1, "still broken", min(now, survey.sent_at + dt.timedelta(hours=5)))
    ]


def _complainer(
    context: Any, rng: random.Random, live: list, skip: set[int]
) -> tuple[str, list[Answer]]:
    now = context.now
    with_complainer = set(
        PersonRole.objects.filter(role=StakeholderRole.COMPLAINER).values_list("client_id",
                                                                               flat=True)
    )
    sized = dict(
        Person.objects.filter(is_active=True).values("client_id").annotate(n=Count("id"))
        .values_list("client_id", "n")
    )
    options = [c for c, _ in live if c.pk not in skip and sized.get(c.pk, 0) >= 6]
    options.sort(key=lambda c: (c.pk in with_complainer, -len(_recent_resolved(c.pk, now, 85,
                                                                                 12)), c.name))
    if not options:
        return "", []
    client = options[0]
    skip.add(client.pk)  # its survey answers are the office's, below
    keyed = set(PersonRole.objects.filter(client=client).values_list("person_id", flat=True))
    people = list(Person.objects.filter(client=client, is_active=True).exclude(pk__in=keyed)
                  .order_by("pk"))
    if len(people) < 2:
        return "", []
    loud = people[0]
    tickets = [t for t in _recent_resolved(client.pk, now, 85, 12) if t.requester_id != loud.pk]
    _take_over(tickets[:9], loud, COMPLAINTS)
    # The rest of the office rates the service well.
    answers = []
    for colleague in [p for p in Person.objects.filter(client=client, is_active=True)
                      if p.pk != loud.pk][:6]:
        survey = SurveyRequest.objects.create(
            kind=SurveyKind.CSAT, person=colleague, client=client, scale=5,
            sent_at=now - dt.timedelta(days=rng.randint(5, 50)),
        )
        answers.append((survey, rng.choice((4, 5, 5)), rng.choice(PRAISE), survey.sent_at))
    return f"{loud.full_name} at {client.name}", answers


def _portfolio_surveys(context: Any, rng: random.Random, skip: set[int]) -> int:
    """A few answered CSAT surveys per client, on recently resolved demo tickets (in bulk)."""
    from goodwill.desk.models import Ticket

    now = context.now
    rows = (
        Ticket.objects.filter(resolved_at__gte=now - dt.timedelta(days=60),
                              resolved_at__lte=now)
        .exclude(client_id__in=skip)
        .order_by("client_id", "-resolved_at")
        .values_list("pk", "number", "client_id", "requester_id", "resolved_at")
    )
    numbers = {}
    per_client: Counter[int] = Counter()
    requests = []
    for pk, number, client_id, person_id, resolved in rows.iterator():
        if per_client[client_id] >= SURVEYS_PER_CLIENT or rng.random() < 0.5:
            continue
        per_client[client_id] += 1
        numbers[pk] = number
        rating = rng.choices((5, 4, 3, 2), weights=(55, 30, 10, 5))[0]
        requests.append(SurveyRequest(
            kind=SurveyKind.CSAT, person_id=person_id, client_id=client_id, ticket_id=pk,
            scale=5, sent_at=resolved + dt.timedelta(hours=1), rating=rating,
            comment=rng.choice(PRAISE) if rating >= 4 else "Took a while.",
            answered_at=resolved + dt.timedelta(hours=rng.randint(2, 30)),
        ))
    created = SurveyRequest.objects.bulk_create(requests, batch_size=1000, ignore_conflicts=False)
    Signal.objects.bulk_create(
        [
            Signal(
                client_id=s.client_id, person_id=s.person_id, kind=SignalKind.CSAT,
                value=surveys.value_of(s.kind, s.rating, s.scale), occurred_at=s.answered_at,
                source=f"ticket:GW-{numbers[s.ticket_id]}", key=f"survey:{s.pk}",
                note=f"rated GW-{numbers[s.ticket_id]} {s.rating}/5"
                + (f": \u2018{s.comment}\u2019" if s.comment else ""),
                details={"rating": s.rating, "scale": 5, "survey": s.pk},
            )
            for s in created
        ],
        batch_size=1000, ignore_conflicts=True,
    )
    return len(created)


def seed(context: Any) -> str:
    rng = random.Random(context.seed + 5)  # noqa: S311 (demo data, not secrets)  # nosec B311
    now = context.now
    with transaction.atomic():
        live = _live_clients(context.today)
        # The story first, so the backfill reads its tickets as they now are.
        red, red_answers = _red_client(context, rng, live)
        story = {c.pk for c, _ in live if red and red.startswith(c.name + " (")}
        loud, office_answers = _complainer(context, rng, live, story)
        signals = backfill.backfill(now, days=backfill.SENTIMENT_DAYS).considered
        for survey, rating, comment, at in red_answers + office_answers:
            surveys.answer(survey, rating, comment, now=at)
        answered = _portfolio_surveys(context, rng, story) + len(red_answers + office_answers)
        scores.recompute_all(now)
        if loud:
            flagged = PersonScore.objects.filter(radar__isnull=False).select_related("person")
            for score in flagged:
                if score.person.full_name in loud:
                    from goodwill.clients.services import assign_role

                    assign_role(score.person, StakeholderRole.COMPLAINER, by=None,
                                source=RoleSource.DETECTED)
            scores.recompute_all(now)
        actions = playbook.generate(now)
        # Survey e-mails are history in the demo: nothing goes to made-up addresses.
        _mark_demo_mail_sent(now)
    bands = Counter(ClientScore.objects.values_list("band", flat=True))
    return (
        f"happiness: {Signal.objects.count()} signals ({signals} from tickets), "
        f"{bands.get('green', 0)} green · {bands.get('amber', 0)} amber · "
        f"{bands.get('red', 0)} red; red: {red or 'none'}; complainer: {loud or 'none'}; "
        f"{answered} survey answers; {actions} next actions"
    )


def _mark_demo_mail_sent(now: dt.datetime) -> None:
    from goodwill.core.models import OutboundMessage

    OutboundMessage.objects.filter(kind__in=["survey", "digest"], status="queued").update(
        status="sent", sent_at=now
    )


def delete() -> None:
    NextAction.objects.all().delete()
    SurveyRequest.objects.all().delete()
    PersonScore.objects.all().delete()
    ClientScore.objects.all().delete()
    Signal.objects.all().delete()
