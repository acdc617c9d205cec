"""`goodwill import_history history.jsonl`: years of history from another desk, one JSON object
per line (format in the README). Each record is imported all or nothing and remembered by its
"id" (ExternalRef), so running the file again imports only what is new; a bad line is reported
with its number and the rest goes on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from goodwill.accounts.models import StaffRole, User
from goodwill.clients.models import Client, Person
from goodwill.desk import services as desk
from goodwill.desk.models import Channel, Ticket, TicketStatus

from . import services
from .services import RecordError, find_external

TYPES = ("client", "person", "ticket", "message", "survey_answer")


@dataclass
class ImportResult:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    errors: list[tuple[int, str]] = field(default_factory=list)
    lines: int = 0

    def summary(self) -> str:
        parts = [
            f"{kind}: {self.created[kind]} new, {self.existing[kind]} already there"
            for kind in TYPES if self.created[kind] or self.existing[kind]
        ]
        return "; ".join(parts) or "nothing imported"


class LineError(ValueError):
    pass


def _moment(record: dict[str, Any], key: str) -> dt.datetime | None:
    raw = record.get(key)
    if raw in (None, ""):
        return None
    value = parse_datetime(str(raw))
    if value is None:
        raise LineError(f"{key} is not an ISO 8601 date and time: {raw!r}")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + dt.timedelta(minutes=5):
        raise LineError(f"{key} lies in the future: {raw!r}")
    return value


def _text(record: dict[str, Any], key: str, default: str = "", required: bool = False) -> str:
    value = record.get(key, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        raise LineError(f"{key} must be text")
    if "\x00" in value:
        raise LineError(f"{key} contains a NUL character")
    if required and not value.strip():
        raise LineError(f"{key} is required")
    return value


def _ref(record: dict[str, Any], key: str, kind: str, model: type) -> Any:
    external = record.get(key)
    if not external:
        raise LineError(f"{key} is required (the id of a {kind} imported earlier)")
    found = find_external(kind, str(external), model)
    if found is None:
        raise LineError(f"{key} {external!r}: no {kind} with that id has been imported")
    return found


class Importer:
    def __init__(self, staff: User) -> None:
        self.staff = staff  # writes staff messages whose author is not a known username
        self.users = {u.username: u for u in User.objects.exclude(role="")}
        # A ticket's final status is set after the whole file, so its messages (which follow
        # it) do not reopen it: ticket pk -> (line number, status, moment).
        self.final_status: dict[int, tuple[int, str, dt.datetime | None]] = {}
        self.line = 0

    def record(self, record: dict[str, Any]) -> tuple[str, bool]:
        kind = record.get("type")
        if kind not in TYPES:
            raise LineError(f"type must be one of {', '.join(TYPES)}; got {kind!r}")
        external = record.get("id")
        if not isinstance(external, (str, int)) or str(external) == "":
            raise LineError("id is required: the record's id in the desk it comes from")
        external = str(external)
        handler: Callable[[dict[str, Any], str], tuple[Any, bool]] = getattr(self, kind)
        _obj, created = handler(record, external)
        return kind, created

    def client(self, r: dict[str, Any], external: str) -> tuple[Any, bool]:
        return services.create_client(
            name=_text(r, "name", required=True), email_domains=_text(r, "email_domains"),
            country=_text(r, "country", "GB") or "GB", phone=_text(r, "phone"),
            website=_text(r, "website"), external_id=external,
            created_at=_moment(r, "created_at"),
        )

    def person(self, r: dict[str, Any], external: str) -> tuple[Any, bool]:
        roles = r.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(x, str) for x in roles):
            raise LineError("roles must be a list of role names")
        return services.create_person(
            client=_ref(r, "client", "client", Client),
            first_name=_text(r, "first_name", required=True), last_name=_text(r, "last_name"),
            email=_text(r, "email"), job_title=_text(r, "job_title"), phone=_text(r, "phone"),
            roles=roles, external_id=external, created_at=_moment(r, "created_at"),
        )

    def ticket(self, r: dict[str, Any], external: str) -> tuple[Any, bool]:
        opened = _moment(r, "opened_at")
        if opened is None:
            raise LineError("opened_at is required for a ticket")
        status = r.get("status") or None
        if status is not None and status not in TicketStatus.values:
            raise LineError(f"status must be one of {', '.join(TicketStatus.values)}")
        status_at = _moment(r, "status_at")
        ticket, created = services.create_ticket(
            requester=_ref(r, "requester", "person", Person),
            subject=_text(r, "subject", required=True), body=_text(r, "body"),
            by_user=None, channel=_text(r, "channel", Channel.EMAIL) or Channel.EMAIL,
            priority=r.get("priority") or None, category=_text(r, "category", "other"),
            opened_at=opened, external_id=external,
        )
        if created and status:
            self.final_status[ticket.pk] = (self.line, status, status_at or opened)
        return ticket, created

    def finish(self, result: ImportResult) -> None:
        for pk, (line, status, at) in self.final_status.items():
            ticket = Ticket.objects.get(pk=pk)
            try:
                desk.change_status(ticket, status, by_user=self.staff, at=at)
            except desk.TicketError as exc:
                result.errors.append((line, f"status: {'; '.join(exc.messages)}"))

    def message(self, r: dict[str, Any], external: str) -> tuple[Any, bool]:
        ticket = _ref(r, "ticket", "ticket", Ticket)
        author = r.get("from", "staff")
        by_user = by_person = None
        if author == "person":
            by_person = (
                _ref(r, "author", "person", Person) if r.get("author") else ticket.requester
            )
            if by_person.client_id != ticket.client_id:
                raise LineError("author is not a person of the ticket's client")
        elif author == "staff":
            by_user = self.users.get(str(r.get("author") or ""), self.staff)
        else:
            raise LineError("from must be 'person' or 'staff'")
        return services.create_message(
            ticket=ticket, body=_text(r, "body", required=True), by_user=by_user,
            by_person=by_person, internal=bool(r.get("internal", False)),
            channel=_text(r, "channel", Channel.EMAIL) or Channel.EMAIL,
            created_at=_moment(r, "created_at"), external_id=external,
        )

    def survey_answer(self, r: dict[str, Any], external: str) -> tuple[Any, bool]:
        ticket = _ref(r, "ticket", "ticket", Ticket) if r.get("ticket") else None
        rating = r.get("rating")
        if not isinstance(rating, int) or isinstance(rating, bool):
            raise LineError("rating must be a whole number")
        key = f"import:survey:{external}"
        existing = _signal_exists(key)
        signal, _ = services.create_survey_answer(
            person=_ref(r, "person", "person", Person), kind=_text(r, "kind", "csat"),
            rating=rating, comment=_text(r, "comment"), ticket=ticket,
            answered_at=_moment(r, "answered_at"), external_id=external,
        )
        return signal, not existing


def _signal_exists(key: str) -> bool:
    from django.apps import apps

    return apps.get_model("happiness", "Signal").objects.filter(key=key).exists()


def default_staff() -> User:
    user = User.objects.filter(role=StaffRole.OWNER, is_active=True).order_by("pk").first()
    if user is None:
        raise LineError("No active owner to write staff messages as: create one first.")
    return user


def run(lines: Iterable[str], *, staff: User | None = None,
        progress: Callable[[int], Any] | None = None) -> ImportResult:
    importer = Importer(staff or default_staff())
    result = ImportResult()
    for number, line in enumerate(lines, start=1):
        result.lines = importer.line = number
        if progress:
            progress(1)
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise LineError("each line must be one JSON object")
            kind, created = importer.record(record)
        except json.JSONDecodeError as exc:
            result.errors.append((number, f"not JSON: {exc.msg} at column {exc.colno}"))
        except (LineError, RecordError) as exc:
            result.errors.append((number, str(exc)))
        else:
            (result.created if created else result.existing)[kind] += 1
    importer.finish(result)
    return result
