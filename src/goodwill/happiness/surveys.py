"""Surveys: CSAT after a ticket is resolved, and a periodic relationship survey (NPS-style).

Sent through the outbox (once: a unique row per ticket or per person and quarter, and a
dedupe_key), answered through signed one-click links that need no login. Mail scanners follow
links, so GET only shows the page with the choice preselected; the rating is recorded on POST.
A second answer replaces the first (and its signal).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from goodwill.clients.models import Person, StakeholderRole
from goodwill.core import outbox
from goodwill.happiness import conf
from goodwill.happiness.models import SignalKind, SurveyKind, SurveyRequest

logger = logging.getLogger("goodwill.happiness")

SALT = "goodwill.happiness.survey"
MAX_PER_WEEK = 2  # any kind: nobody gets a third survey in seven days
NPS_SCALE = 10


# --- Tokens and links ---------------------------------------------------------------------------


def token_for(survey: SurveyRequest) -> str:
    return signing.dumps(survey.pk, salt=SALT, compress=True)


def survey_from_token(token: str) -> SurveyRequest | None:
    try:
        pk = signing.loads(token, salt=SALT, max_age=dt.timedelta(days=120))
    except signing.BadSignature:
        return None
    return SurveyRequest.objects.select_related("person", "client", "ticket").filter(pk=pk).first()


def link(survey: SurveyRequest, rating: int | None = None) -> str:
    url = conf.get("BASE_URL").rstrip("/") + reverse(
        "happiness:survey", args=[token_for(survey)]
    )
    return f"{url}?r={rating}" if rating is not None else url


def ratings(survey: SurveyRequest) -> list[int]:
    start = 0 if survey.kind == SurveyKind.NPS else 1
    return list(range(start, survey.scale + 1))


# --- Sending ------------------------------------------------------------------------------------


def _throttled(person: Person, kind: str, now: dt.datetime) -> bool:
    recent = SurveyRequest.objects.filter(person=person)
    week = recent.filter(sent_at__gt=now - dt.timedelta(days=7)).count()
    if week >= MAX_PER_WEEK:
        return True
    if kind == SurveyKind.CSAT:
        every = dt.timedelta(days=conf.get("CSAT_EVERY_DAYS"))
        return recent.filter(kind=SurveyKind.CSAT, sent_at__gt=now - every).exists()
    return False


def send_csat(ticket: Any, now: dt.datetime | None = None) -> SurveyRequest | None:
    """Ask the requester how it went, once per ticket, unless they were asked recently."""
    now = now or timezone.now()
    person = ticket.requester
    if not person.email or not person.is_active:
        return None
    if SurveyRequest.objects.filter(kind=SurveyKind.CSAT, ticket=ticket).exists():
        return None
    if _throttled(person, SurveyKind.CSAT, now):
        return None
    try:
        with transaction.atomic():
            survey = SurveyRequest.objects.create(
                kind=SurveyKind.CSAT, person=person, client_id=person.client_id, ticket=ticket,
                scale=conf.get("CSAT_SCALE"), sent_at=now,
            )
    except IntegrityError:  # another worker got there first
        return None
    lines = "\n".join(f"  {n}: {link(survey, n)}" for n in ratings(survey))
    outbox.enqueue(
        kind="survey",
        to=[person.email],
        subject=f"How did we do? [{ticket.reference}] {ticket.subject}"[:200],
        text=(
            f"Hello {person.first_name},\n\n"
            f"We have resolved {ticket.reference} \u201c{ticket.subject}\u201d. "
            f"How did we do, from 1 (poor) to {survey.scale} (excellent)? "
            "One click opens a page where you can add a comment:\n\n"
            f"{lines}\n\nThank you,\n{settings.GOODWILL_PROVIDER_NAME}\n"
        ),
        context=f"survey:{survey.pk}",
        dedupe_key=f"csat:{ticket.pk}",
        automatic=True,
        # Give them time to see the fix hold (and keep it apart from the "resolved" notice).
        send_after=now + dt.timedelta(minutes=conf.get("CSAT_DELAY_MINUTES")),
    )
    return survey


def quarter(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def send_relationship_surveys(now: dt.datetime) -> int:
    """Worker job: the relationship survey to each boss once a quarter (NPS-style)."""
    from goodwill.contracts.models import Contract
    from goodwill.contracts.status import LIVE_STATUSES, with_status

    period = quarter(timezone.localdate(now))
    live = with_status(Contract.objects.all(), timezone.localdate(now)).filter(
        status__in=LIVE_STATUSES
    ).values("client_id")
    people = (
        Person.objects.with_role(StakeholderRole.DECISION_MAKER)
        .filter(is_active=True, client_id__in=live)
        .exclude(email="")
        .exclude(surveys__kind=SurveyKind.NPS, surveys__period=period)
        .distinct()
    )
    sent = 0
    for person in people.iterator():
        if _throttled(person, SurveyKind.NPS, now):
            continue
        try:
            with transaction.atomic():
                survey = SurveyRequest.objects.create(
                    kind=SurveyKind.NPS, person=person, client_id=person.client_id,
                    scale=NPS_SCALE, period=period, sent_at=now,
                )
                lines = " ".join(f"{n}: {link(survey, n)}\n" for n in ratings(survey))
                outbox.enqueue(
                    kind="survey",
                    to=[person.email],
                    subject=f"How likely are you to recommend "
                    f"{settings.GOODWILL_PROVIDER_NAME}?",
                    text=(
                        f"Hello {person.first_name},\n\nOnce a quarter we ask the people we "
                        f"work for one question: from 0 (not at all) to 10 (certainly), how "
                        f"likely are you to recommend us to a colleague? One click:\n\n{lines}"
                        f"\nThank you,\n{settings.GOODWILL_PROVIDER_NAME}\n"
                    ),
                    context=f"survey:{survey.pk}",
                    dedupe_key=f"nps:{person.pk}:{period}",
                )
        except IntegrityError:
            continue
        sent += 1
    return sent


# --- Answering ----------------------------------------------------------------------------------


def value_of(kind: str, rating: int, scale: int) -> float:
    """A rating on the signal scale: 1/5 → -1, 3/5 → 0, 5/5 → +1; NPS 0–6 negative."""
    if kind == SurveyKind.NPS:
        return max(-1.0, min(1.0, (rating - 7.5) / 2.5))
    return (rating - 1) / max(1, scale - 1) * 2 - 1


def note_for(survey: SurveyRequest, rating: int, comment: str) -> str:
    what = f"rated {survey.ticket.reference}" if survey.ticket_id else "recommend score"
    said = f": \u2018{comment.strip()[:120]}\u2019" if comment.strip() else ""
    return f"{what} {rating}/{survey.scale}{said}"


@transaction.atomic
def answer(
    survey: SurveyRequest, rating: int, comment: str = "", now: dt.datetime | None = None
) -> SurveyRequest:
    """Record (or replace) the answer and its signal; the scores follow."""
    from goodwill.happiness.models import Signal
    from goodwill.happiness.signals import record_signal

    if rating not in ratings(survey):
        raise ValueError(f"Choose a rating from {ratings(survey)[0]} to {survey.scale}.")
    now = now or timezone.now()
    survey.rating = rating
    survey.comment = comment.strip()[:2000]
    survey.answered_at = now
    survey.save(update_fields=["rating", "comment", "answered_at"])
    key = f"survey:{survey.pk}"
    Signal.objects.filter(key=key).delete()  # a second answer replaces the first
    record_signal(
        kind=SignalKind.CSAT if survey.kind == SurveyKind.CSAT else SignalKind.NPS,
        value=value_of(survey.kind, rating, survey.scale),
        occurred_at=now,
        person=survey.person,
        source=f"ticket:{survey.ticket.reference}" if survey.ticket_id else f"survey:{survey.pk}",
        key=key,
        note=note_for(survey, rating, survey.comment),
        details={"rating": rating, "scale": survey.scale, "survey": survey.pk},
    )
    return survey
