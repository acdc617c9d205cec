"""What the API reads and writes. Output fields are listed one by one: a new model field does not
appear in the API (or leak through it) until someone adds it here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field, model_validator

MAX_ID = 2**53  # ids beyond this are not ids (and overflow 64-bit columns)


class InSchema(Schema):
    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        # PostgreSQL cannot store NUL in text: refuse it up front, as a 422, not a 500.
        values = data.values() if isinstance(data, dict) else []
        for value in values:
            if isinstance(value, str) and "\x00" in value:
                raise ValueError("Text may not contain NUL characters.")
        return data


class ClientOut(Schema):
    id: int
    name: str
    email_domains: str
    country: str
    phone: str
    website: str
    is_active: bool
    created_at: dt.datetime


class ClientIn(InSchema):
    name: str = Field(min_length=1, max_length=200)
    email_domains: str = Field("", max_length=500)
    country: str = Field("GB", min_length=2, max_length=2)
    phone: str = Field("", max_length=50)
    website: str = Field("", max_length=200)
    external_id: str | None = Field(None, max_length=200)
    created_at: dt.datetime | None = None


class PersonOut(Schema):
    id: int
    client_id: int
    first_name: str
    last_name: str
    email: str
    job_title: str
    phone: str
    is_active: bool
    roles: list[str]

    @staticmethod
    def resolve_roles(obj: Any) -> list[str]:
        return sorted(obj.role_set())


class PersonIn(InSchema):
    client_id: int = Field(ge=1, le=MAX_ID)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    job_title: str = Field("", max_length=120)
    phone: str = Field("", max_length=50)
    roles: list[str] = Field(default_factory=list, max_length=4)
    external_id: str | None = Field(None, max_length=200)
    created_at: dt.datetime | None = None


class ContractOut(Schema):
    id: int
    client_id: int
    name: str
    state: str
    start_date: dt.date
    end_date: dt.date
    term_months: int
    renewal_date: dt.date
    notice_deadline: dt.date
    auto_renew: bool
    fee: Decimal
    currency: str
    billing_cycle: str
    included_hours: Decimal


class TicketOut(Schema):
    id: int
    number: int | None
    reference: str
    client_id: int
    requester_id: int
    contract_id: int | None
    subject: str
    status: str
    priority: str
    category: str
    channel: str
    opened_at: dt.datetime
    updated_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None


class TicketIn(InSchema):
    subject: str = Field(min_length=1, max_length=255)
    body: str = Field("", max_length=100_000)
    requester_id: int | None = Field(
        None, ge=1, le=MAX_ID,
        description="Who raised it. Staff tokens must say; a person's token raises it as them.",
    )
    urgency: int | None = Field(None, ge=1, le=3)
    impact: int | None = Field(None, ge=1, le=3)
    category: str = Field("other", max_length=20)
    status: str | None = Field(None, description="Import only: the status the ticket ended in.")
    status_at: dt.datetime | None = None
    opened_at: dt.datetime | None = Field(None, description="Owner tokens only: when it opened.")
    external_id: str | None = Field(None, max_length=200)


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    ticket_id: int
    body: str
    internal: bool
    from_staff: bool
    author_person_id: int | None
    author_name: str
    channel: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(getattr(obj, "visible_files", []))


class MessageIn(InSchema):
    body: str = Field(min_length=1, max_length=100_000)
    internal: bool = Field(False, description="Staff only: an internal note.")
    author_person_id: int | None = Field(
        None, ge=1, le=MAX_ID,
        description="Owner tokens importing history: the client person who wrote it.",
    )
    created_at: dt.datetime | None = Field(None, description="Owner tokens only.")
    external_id: str | None = Field(None, max_length=200)


class TimeEntryOut(Schema):
    id: int
    ticket_id: int
    contract_id: int | None
    minutes: int
    billable: bool
    note: str
    work_date: dt.date


def page_of(item: type[Schema]) -> type[Schema]:
    return type(
        f"{item.__name__.removesuffix('Out')}Page",
        (Schema,),
        {"__annotations__": {"items": list[item], "next_cursor": str | None}},  # type: ignore[valid-type]
    )


def aware(value: dt.datetime | None) -> dt.datetime | None:
    from django.utils import timezone

    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value



class StatusIn(InSchema):
    status: str = Field(pattern="^(new|open|waiting_client|waiting_third_party|resolved|closed)$")
    at: dt.datetime | None = Field(None, description="Owner tokens only: when it happened.")


class InvoiceOut(Schema):
    id: int
    number: str | None
    client_id: int
    contract_id: int | None
    kind: str
    status: str
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None
    period_start: dt.date | None
    period_end: dt.date | None
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal
    balance: Decimal
    disputed: bool


class PaymentOut(Schema):
    id: int
    client_id: int
    amount: Decimal
    currency: str
    received_on: dt.date
    reference: str
    method: str


class SurveyAnswerIn(InSchema):
    person_id: int = Field(ge=1, le=MAX_ID)
    kind: str = Field("csat", pattern="^(csat|nps)$")
    rating: int = Field(ge=0, le=10, description="csat 1-5, nps 0-10")
    comment: str = Field("", max_length=2000)
    ticket_number: int | None = Field(None, ge=1, le=MAX_ID)
    answered_at: dt.datetime | None = None
    external_id: str | None = Field(None, max_length=200)


class SurveyAnswerOut(Schema):
    id: int
    person_id: int | None
    kind: str
    value: float
    occurred_at: dt.datetime
    note: str


class SignalOut(Schema):
    id: int
    client_id: int
    person_id: int | None
    kind: str
    value: float
    occurred_at: dt.datetime
    source: str
    note: str


class PersonScoreOut(Schema):
    person_id: int
    client_id: int
    score: int
    band: str
    reasons: list[Any]
    computed_at: dt.datetime


class ClientScoreOut(Schema):
    client_id: int
    health: int
    band: str
    risk: int
    reasons: list[Any]
    computed_at: dt.datetime


class ScoresOut(Schema):
    client: ClientScoreOut | None
    people: list[PersonScoreOut]


class NextActionOut(Schema):
    id: int
    client_id: int
    person_id: int | None
    rule: str
    title: str
    why: str
    status: str
    created_at: dt.datetime


class BookingOut(Schema):
    id: int
    client_id: int | None
    staff_id: int | None
    appointment_type_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    location: str
