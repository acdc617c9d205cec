"""Creating records through the API and the history import: one function per record type.

Each takes an optional external id (the record's id in the desk it comes from) and an optional
historical moment. With an external id already recorded, the existing record is returned and
nothing is written, so an import can be run again after it stopped half-way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.clients.models import Client, Person, RoleSource, StakeholderRole
from goodwill.clients.services import assign_role
from goodwill.desk import services as desk
from goodwill.desk.models import Channel, Message, Ticket, TicketStatus

from .models import ExternalRef

T = TypeVar("T")


class RecordError(ValueError):
    """A record that cannot be created as given: `errors` maps fields to messages."""

    def __init__(self, errors: dict[str, str] | str):
        self.errors = errors if isinstance(errors, dict) else {"": errors}
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.errors.items()))


def find_external(kind: str, external_id: str | None, model: type[T]) -> T | None:
    if not external_id:
        return None
    ref = ExternalRef.objects.filter(kind=kind, external_id=external_id).first()
    if ref is None:
        return None
    return model._default_manager.filter(pk=ref.object_id).first()  # type: ignore[attr-defined]


def _once(kind: str, external_id: str | None, model: type[T], make: Callable[[], T]
          ) -> tuple[T, bool]:
    """Make the record and remember its external id, all or nothing; or find it again."""
    existing = find_external(kind, external_id, model)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            obj = make()
            if external_id:
                ExternalRef.objects.create(
                    kind=kind, external_id=external_id, object_id=obj.pk  # type: ignore[attr-defined]
                )
    except IntegrityError as exc:
        again = find_external(kind, external_id, model)
        if again is not None:  # the same record was created at the same moment by someone else
            return again, False
        raise RecordError(_integrity_message(exc)) from exc
    except ValidationError as exc:
        raise RecordError(
            {k: " ".join(v) for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict") else " ".join(exc.messages)
        ) from exc
    return obj, True


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc).lower()
    if "email" in text:
        return "Someone already has this e-mail address."
    if "name" in text:
        return "A record with this name already exists."
    return "This record conflicts with one that exists."


def _backdate(instance: Any, at: dt.datetime | None, *fields: str) -> None:
    if at is None:
        return
    type(instance).objects.filter(pk=instance.pk).update(**{f: at for f in fields})
    for f in fields:
        setattr(instance, f, at)


def create_client(
    *, name: str, email_domains: str = "", country: str = "GB", phone: str = "",
    website: str = "", external_id: str | None = None, created_at: dt.datetime | None = None,
) -> tuple[Client, bool]:
    def make() -> Client:
        client = Client(
            name=name.strip(), email_domains=email_domains, country=country.upper()[:2],
            phone=phone, website=website,
        )
        client.full_clean(validate_unique=False, validate_constraints=False)
        client.save()
        _backdate(client, created_at, "created_at", "updated_at")
        return client

    return _once("client", external_id, Client, make)


def create_person(
    *, client: Client, first_name: str, last_name: str = "", email: str = "",
    job_title: str = "", phone: str = "", roles: list[str] = (),  # type: ignore[assignment]
    by: User | None = None, external_id: str | None = None,
    created_at: dt.datetime | None = None,
) -> tuple[Person, bool]:
    for role in roles:
        if role not in StakeholderRole.values:
            raise RecordError({"roles": f"Unknown role {role!r}."})

    def make() -> Person:
        person = Person(
            client=client, first_name=first_name.strip(), last_name=last_name.strip(),
            email=email.strip(), job_title=job_title, phone=phone,
        )
        person.full_clean(exclude=["site"], validate_unique=False, validate_constraints=False)
        person.save()
        for role in roles:
            assign_role(person, role, by=by, source=RoleSource.IMPORT if by is None else "staff")
        _backdate(person, created_at, "created_at", "updated_at")
        return person

    return _once("person", external_id, Person, make)


def create_ticket(
    *, requester: Person, subject: str, body: str = "", by_user: User | None = None,
    channel: str = Channel.API, urgency: int | None = None, impact: int | None = None,
    priority: str | None = None, category: str = "other", status: str | None = None,
    status_at: dt.datetime | None = None, opened_at: dt.datetime | None = None,
    external_id: str | None = None,
) -> tuple[Ticket, bool]:
    if status is not None and status not in TicketStatus.values:
        raise RecordError({"status": f"Unknown status {status!r}."})

    def make() -> Ticket:
        try:
            ticket = desk.open_ticket(
                requester=requester, subject=subject, body=body, channel=channel,
                urgency=urgency, impact=impact, priority=priority, category=category,
                opened_at=opened_at,
            )
            if status and status != ticket.status:
                desk.change_status(
                    ticket, status, by_user=by_user, by_person=None if by_user else requester,
                    at=status_at or opened_at,
                )
        except desk.TicketError as exc:
            raise RecordError({k: " ".join(v) for k, v in exc.message_dict.items()}) from exc
        except ValueError as exc:
            raise RecordError(str(exc)) from exc
        return ticket

    return _once("ticket", external_id, Ticket, make)


def create_message(
    *, ticket: Ticket, body: str, by_user: User | None = None, by_person: Person | None = None,
    internal: bool = False, channel: str | None = None, created_at: dt.datetime | None = None,
    external_id: str | None = None,
) -> tuple[Message, bool]:
    def make() -> Message:
        try:
            if internal:
                if by_user is None:
                    raise RecordError({"internal": "Only staff write internal notes."})
                return desk.add_note(ticket, body, by_user=by_user, at=created_at)
            return desk.reply(
                ticket, body, by_user=by_user, by_person=by_person, channel=channel,
                at=created_at,
            )
        except desk.TicketError as exc:
            raise RecordError({k: " ".join(v) for k, v in exc.message_dict.items()}) from exc

    return _once("message", external_id, Message, make)


def now_or(value: dt.datetime | None) -> dt.datetime:
    return value or timezone.now()


SURVEY_SCALES = {"csat": 5, "nps": 10}


def create_survey_answer(
    *, person: Person, kind: str, rating: int, comment: str = "", ticket: Ticket | None = None,
    answered_at: dt.datetime | None = None, external_id: str | None = None,
) -> tuple[Any, bool]:
    """A survey answer from the old desk, recorded as the happiness signal a live answer makes
    (through happiness.signals.record_signal, its entry point for other apps)."""
    from goodwill.happiness.signals import record_signal
    from goodwill.happiness.surveys import value_of

    if kind not in SURVEY_SCALES:
        raise RecordError({"kind": "Use csat (1-5) or nps (0-10)."})
    scale = SURVEY_SCALES[kind]
    if not (0 if kind == "nps" else 1) <= rating <= scale:
        raise RecordError({"rating": f"A {kind} rating is between "
                                     f"{0 if kind == 'nps' else 1} and {scale}."})
    if ticket is not None and ticket.client_id != person.client_id:
        raise RecordError({"ticket": "The ticket is not of this person's client."})
    said = f": \u2018{comment.strip()[:120]}\u2019" if comment.strip() else ""
    what = f"rated {ticket.reference}" if ticket is not None else "recommend score"
    at = answered_at or timezone.now()
    key = f"import:survey:{external_id}" if external_id else None
    with transaction.atomic():
        signal = record_signal(
            kind=kind, value=value_of(kind, rating, scale), occurred_at=at, person=person,
            source=f"ticket:{ticket.reference}" if ticket is not None else "import",
            key=key, note=f"{what} {rating}/{scale}{said}",
            details={"rating": rating, "scale": scale, "comment": comment[:1000],
                     "imported": True},
        )
    return signal, True
