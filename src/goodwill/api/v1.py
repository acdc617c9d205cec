"""The REST API, version 1, at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Every list and object is read through goodwill.api.scoping; every filter is a named, typed
query parameter (nothing a client sends is expanded into the ORM); every error is a problem
document (goodwill.api.problems).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from goodwill.clients.models import Person, StakeholderRole
from goodwill.desk import services as desk
from goodwill.desk.models import Attachment, Channel, Message, Ticket, TicketStatus

from . import pagination, problems, scoping, services
from .auth import Principal, TokenAuth
from .problems import ERRORS, ApiProblem, forbidden, not_found, problem_response
from .schemas import (
    MAX_ID,
    BookingOut,
    ClientIn,
    ClientOut,
    ContractOut,
    InvoiceOut,
    MessageIn,
    MessageOut,
    NextActionOut,
    PaymentOut,
    PersonIn,
    PersonOut,
    ScoresOut,
    SignalOut,
    StatusIn,
    SurveyAnswerIn,
    SurveyAnswerOut,
    TicketIn,
    TicketOut,
    TimeEntryOut,
    aware,
    page_of,
)

api = NinjaAPI(
    title="Goodwill API",
    version="1",
    description=(
        "Clients, people, contracts, tickets, messages and time. Authenticate with "
        "`Authorization: Bearer <token>`; a token acts with its owner's permissions. Lists are "
        "newest first, paged with `next_cursor`. Errors are RFC 9457 problem details."
    ),
    urls_namespace="api",  # the app namespace of goodwill.api.urls, which holds its routes
    docs_url="/docs",
    auth=TokenAuth(),
)

LIMIT = Query(None, ge=1, le=pagination.MAX_LIMIT, description="Page size (default 50).")
CURSOR = Query(None, max_length=200, description="next_cursor of the previous page.")
# Historical moments may lie in the past, never noticeably in the future.
FUTURE_SLACK = dt.timedelta(minutes=5)


# --- Errors as problem details -----------------------------------------------------------------


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(request, exc.status, exc.detail, exc.errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(
        request, 401, "Send a valid, unrevoked token as 'Authorization: Bearer <token>'."
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
         "type": str(e.get("type", ""))}
        for e in exc.errors
    ]
    return problem_response(request, 422, "The request does not match the schema.", errors)


@api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, 404, "No such object.")


@api.exception_handler(ObjectDoesNotExist)
def _missing_object(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, 404, "No such object.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    problems.logger.exception("API error on %s %s", request.method, request.path)
    return problem_response(request, 500, "Something went wrong on our side; it is logged.")


# --- Helpers -----------------------------------------------------------------------------------


def _who(request: HttpRequest) -> Principal:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _get(qs, **lookup):
    for value in lookup.values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise not_found()
    found = qs.filter(**lookup).first()
    if found is None:
        raise not_found()
    return found


def _historical(principal: Principal, *moments: dt.datetime | None) -> None:
    """Only an owner's token may write history (a past moment); nobody may write the future."""
    given = [aware(m) for m in moments if m is not None]
    if not given:
        return
    if not principal.is_admin:
        raise forbidden("Only an owner's token may give records historical timestamps.")
    if any(m > timezone.now() + FUTURE_SLACK for m in given):  # type: ignore[operator]
        raise ApiProblem(422, "Timestamps may not lie in the future.")


def _record_error(exc: services.RecordError) -> ApiProblem:
    return ApiProblem(
        422, str(exc), [{"loc": ["body", k] if k else ["body"], "msg": v}
                        for k, v in exc.errors.items()],
    )


def _text(value: str | None) -> str | None:
    return value.replace("\x00", "").strip() if value else None


# --- Clients -----------------------------------------------------------------------------------


@api.get("/clients", response={200: page_of(ClientOut), **ERRORS}, tags=["clients"])
def list_clients(
    request, q: str | None = Query(None, max_length=100), active: bool | None = None,
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    qs = scoping.clients(_who(request))
    if _text(q):
        qs = qs.filter(name__icontains=_text(q))
    if active is not None:
        qs = qs.filter(is_active=active)
    return pagination.page(qs, cursor, limit)


@api.get("/clients/{client_id}", response={200: ClientOut, **ERRORS}, tags=["clients"])
def get_client(request, client_id: int):
    return _get(scoping.clients(_who(request)), pk=client_id)


@api.post("/clients", response={201: ClientOut, 200: ClientOut, **ERRORS}, tags=["clients"])
def create_client(request, data: ClientIn):
    principal = _who(request)
    if not principal.can("clients.edit"):
        raise forbidden("Creating clients needs clients.edit (owner or account manager).")
    _historical(principal, data.created_at)
    try:
        client, created = services.create_client(
            name=data.name, email_domains=data.email_domains, country=data.country,
            phone=data.phone, website=data.website, external_id=data.external_id,
            created_at=aware(data.created_at),
        )
    except services.RecordError as exc:
        raise _record_error(exc) from exc
    return Status(201 if created else 200, client)


# --- People ------------------------------------------------------------------------------------


@api.get("/people", response={200: page_of(PersonOut), **ERRORS}, tags=["people"])
def list_people(
    request, client_id: int | None = Query(None, ge=1, le=MAX_ID),
    role: StakeholderRole | None = None, email: str | None = Query(None, max_length=254),
    q: str | None = Query(None, max_length=100),
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    qs = scoping.people(_who(request)).prefetch_related("roles")
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if role is not None:
        qs = qs.with_role(role)
    if _text(email):
        qs = qs.filter(email__iexact=_text(email))
    if _text(q):
        text = _text(q)
        qs = qs.filter(Q(first_name__icontains=text) | Q(last_name__icontains=text))
    return pagination.page(qs, cursor, limit)


@api.get("/people/{person_id}", response={200: PersonOut, **ERRORS}, tags=["people"])
def get_person(request, person_id: int):
    return _get(scoping.people(_who(request)).prefetch_related("roles"), pk=person_id)


@api.post("/people", response={201: PersonOut, 200: PersonOut, **ERRORS}, tags=["people"])
def create_person(request, data: PersonIn):
    principal = _who(request)
    if not principal.can("people.edit"):
        raise forbidden("Adding people needs people.edit (owner, account manager, technician).")
    if data.roles and not principal.can("roles.edit"):
        raise forbidden("Giving stakeholder roles needs roles.edit.")
    _historical(principal, data.created_at)
    client = _get(scoping.clients(principal), pk=data.client_id)
    try:
        person, created = services.create_person(
            client=client, first_name=data.first_name, last_name=data.last_name,
            email=data.email, job_title=data.job_title, phone=data.phone, roles=data.roles,
            by=principal.user, external_id=data.external_id, created_at=aware(data.created_at),
        )
    except services.RecordError as exc:
        raise _record_error(exc) from exc
    person = Person.objects.prefetch_related("roles").get(pk=person.pk)
    return Status(201 if created else 200, person)


# --- Contracts ---------------------------------------------------------------------------------


@api.get("/contracts", response={200: page_of(ContractOut), **ERRORS}, tags=["contracts"])
def list_contracts(
    request, client_id: int | None = Query(None, ge=1, le=MAX_ID),
    state: str | None = Query(None, pattern="^(draft|active|renewed|cancelled)$"),
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    qs = scoping.contracts(_who(request))
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if state:
        qs = qs.filter(state=state)
    return pagination.page(qs, cursor, limit)


@api.get("/contracts/{contract_id}", response={200: ContractOut, **ERRORS}, tags=["contracts"])
def get_contract(request, contract_id: int):
    return _get(scoping.contracts(_who(request)), pk=contract_id)


# --- Tickets -----------------------------------------------------------------------------------


@api.get("/tickets", response={200: page_of(TicketOut), **ERRORS}, tags=["tickets"])
def list_tickets(
    request, status: TicketStatus | None = None,
    priority: str | None = Query(None, pattern="^P[1-4]$"),
    client_id: int | None = Query(None, ge=1, le=MAX_ID),
    requester_id: int | None = Query(None, ge=1, le=MAX_ID),
    updated_since: dt.datetime | None = None,
    q: str | None = Query(None, max_length=100, description="Words in the subject."),
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    qs = scoping.tickets(_who(request))
    if status is not None:
        qs = qs.filter(status=status)
    if priority:
        qs = qs.filter(priority=priority)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if requester_id is not None:
        qs = qs.filter(requester_id=requester_id)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=aware(updated_since))
    if _text(q):
        qs = qs.filter(subject__icontains=_text(q))
    return pagination.page(qs, cursor, limit)


@api.get("/tickets/{number}", response={200: TicketOut, **ERRORS}, tags=["tickets"])
def get_ticket(request, number: int):
    return _get(scoping.tickets(_who(request)), number=number)


@api.post("/tickets", response={201: TicketOut, 200: TicketOut, **ERRORS}, tags=["tickets"])
def create_ticket(request, data: TicketIn):
    principal = _who(request)
    if principal.person is not None:
        if data.requester_id not in (None, principal.person.pk):
            raise not_found("No such person.")  # not theirs: as if it did not exist
        if data.status or data.opened_at or data.status_at:
            raise forbidden("Only an owner's token may import ticket history.")
        requester = principal.person
        by_user = None
        channel = Channel.API
    else:
        if not principal.can("tickets.work"):
            raise forbidden("Opening tickets needs tickets.work.")
        if data.requester_id is None:
            raise ApiProblem(422, "Say who raised the ticket: requester_id.",
                             [{"loc": ["body", "requester_id"], "msg": "Required for staff"}])
        if data.status and not principal.is_admin:
            raise forbidden("Only an owner's token may import ticket history.")
        _historical(principal, data.opened_at, data.status_at)
        requester = _get(scoping.people(principal), pk=data.requester_id)
        by_user = principal.user
        channel = Channel.API
    try:
        ticket, created = services.create_ticket(
            requester=requester, subject=data.subject, body=data.body, by_user=by_user,
            channel=channel, urgency=data.urgency, impact=data.impact, category=data.category,
            status=data.status, status_at=aware(data.status_at),
            opened_at=aware(data.opened_at), external_id=data.external_id,
        )
    except services.RecordError as exc:
        raise _record_error(exc) from exc
    return Status(201 if created else 200, ticket)


# --- Messages and attachments -----------------------------------------------------------------


def _with_files(principal: Principal, qs):
    return qs.select_related("author_user", "author_person").prefetch_related(
        Prefetch("attachments", queryset=scoping.attachments(principal), to_attr="visible_files")
    )


@api.get(
    "/tickets/{number}/messages", response={200: page_of(MessageOut), **ERRORS},
    tags=["tickets"],
)
def list_messages(
    request, number: int, cursor: str | None = CURSOR, limit: int | None = LIMIT
):
    principal = _who(request)
    ticket = _get(scoping.tickets(principal), number=number)
    return pagination.page(
        _with_files(principal, scoping.messages(principal).filter(ticket=ticket)), cursor, limit
    )


@api.post(
    "/tickets/{number}/messages", response={201: MessageOut, 200: MessageOut, **ERRORS},
    tags=["tickets"],
)
def create_message(request, number: int, data: MessageIn):
    principal = _who(request)
    ticket = _get(scoping.tickets(principal), number=number)
    by_user, by_person = None, None
    if principal.person is not None:
        if data.internal or data.author_person_id or data.created_at:
            raise forbidden("A client's token writes replies as its owner, now.")
        by_person = principal.person
    else:
        if not principal.can("tickets.work"):
            raise forbidden("Replying needs tickets.work.")
        _historical(principal, data.created_at)
        if data.author_person_id is not None:
            if not principal.is_admin:
                raise forbidden("Only an owner's token may write as a client person.")
            by_person = _get(Person.objects.filter(client_id=ticket.client_id),
                             pk=data.author_person_id)
        else:
            by_user = principal.user
    try:
        message, created = services.create_message(
            ticket=ticket, body=data.body, by_user=by_user, by_person=by_person,
            internal=data.internal, channel=Channel.API, created_at=aware(data.created_at),
            external_id=data.external_id,
        )
    except services.RecordError as exc:
        raise _record_error(exc) from exc
    message = _with_files(principal, Message.objects).get(pk=message.pk)
    return Status(201 if created else 200, message)


@api.get("/attachments/{attachment_id}", response={200: bytes, **ERRORS}, tags=["tickets"])
def download_attachment(request, attachment_id: int):
    """The file, always as a download."""
    found: Attachment = _get(scoping.attachments(_who(request)), pk=attachment_id)
    storage = found.file.storage
    if not found.file.name or not storage.exists(found.file.name):
        raise not_found("The file is missing.")
    response = FileResponse(
        storage.open(found.file.name, "rb"), as_attachment=True,
        filename=found.filename.replace("/", "_")[:200] or "attachment",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Time --------------------------------------------------------------------------------------


@api.get("/time-entries", response={200: page_of(TimeEntryOut), **ERRORS}, tags=["time"])
def list_time_entries(
    request, ticket_number: int | None = Query(None, ge=1, le=MAX_ID),
    contract_id: int | None = Query(None, ge=1, le=MAX_ID),
    since: dt.date | None = None, until: dt.date | None = None,
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    qs = scoping.time_entries(_who(request))
    if ticket_number is not None:
        qs = qs.filter(ticket__number=ticket_number)
    if contract_id is not None:
        qs = qs.filter(contract_id=contract_id)
    if since is not None:
        qs = qs.filter(work_date__gte=since)
    if until is not None:
        qs = qs.filter(work_date__lte=until)
    return pagination.page(qs, cursor, limit)




@api.post("/tickets/{number}/status", response={200: TicketOut, **ERRORS}, tags=["tickets"])
def set_ticket_status(request, number: int, data: StatusIn):
    """Change the status; an owner's token importing history gives the moment (`at`), after the
    ticket's messages, so a late client message does not reopen a closed import."""
    principal = _who(request)
    ticket = _get(scoping.tickets(principal), number=number)
    if principal.person is not None:
        raise forbidden("A client's token cannot change a ticket's status; reply instead.")
    if not principal.can("tickets.work"):
        raise forbidden("Changing a ticket needs tickets.work.")
    _historical(principal, data.at)
    try:
        desk.change_status(ticket, data.status, by_user=principal.user, at=aware(data.at))
    except desk.TicketError as exc:
        raise ApiProblem(422, "; ".join(exc.messages)) from exc
    return Ticket.objects.get(pk=ticket.pk)


# --- Billing -----------------------------------------------------------------------------------


@api.get("/invoices", response={200: page_of(InvoiceOut), **ERRORS}, tags=["billing"])
def list_invoices(
    request, client_id: int | None = Query(None, ge=1, le=MAX_ID),
    status: str | None = Query(None, pattern="^(draft|issued|part_paid|paid|void)$"),
    overdue: bool | None = Query(None, description="Only open invoices past their due date."),
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    qs = scoping.invoices(_who(request))
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=("issued", "part_paid"), balance__gt=0,
                       due_date__lt=timezone.localdate()).exclude(kind="credit")
    return pagination.page(qs, cursor, limit)


@api.get("/invoices/{invoice_id}", response={200: InvoiceOut, **ERRORS}, tags=["billing"])
def get_invoice(request, invoice_id: int):
    return _get(scoping.invoices(_who(request)), pk=invoice_id)


@api.get("/payments", response={200: page_of(PaymentOut), **ERRORS}, tags=["billing"])
def list_payments(
    request, client_id: int | None = Query(None, ge=1, le=MAX_ID),
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    qs = scoping.payments(_who(request))
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return pagination.page(qs, cursor, limit)


# --- Survey answers (history import) ----------------------------------------------------------


@api.post(
    "/survey-answers", response={201: SurveyAnswerOut, 200: SurveyAnswerOut, **ERRORS},
    tags=["happiness"],
)
def create_survey_answer(request, data: SurveyAnswerIn):
    """An answer to a satisfaction (csat) or relationship (nps) survey from the old desk."""
    principal = _who(request)
    if not principal.is_admin:
        raise forbidden("Only an owner's token may import survey answers.")
    _historical(principal, data.answered_at)
    person = _get(scoping.people(principal), pk=data.person_id)
    ticket = None
    if data.ticket_number is not None:
        ticket = _get(scoping.tickets(principal), number=data.ticket_number)
    key = f"import:survey:{data.external_id}" if data.external_id else None
    from django.apps import apps

    existed = bool(key) and apps.get_model("happiness", "Signal").objects.filter(key=key).exists()
    try:
        signal, _ = services.create_survey_answer(
            person=person, kind=data.kind, rating=data.rating, comment=data.comment,
            ticket=ticket, answered_at=aware(data.answered_at), external_id=data.external_id,
        )
    except services.RecordError as exc:
        raise _record_error(exc) from exc
    return Status(200 if existed else 201, signal)


# --- Happiness and bookings: staff only (a client's people never see their own scores) --------


def _staff_only(principal: Principal, capability: str) -> None:
    if principal.person is not None:
        raise forbidden("This is for the provider's staff only.")
    scoping.need(principal, capability)


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


@api.get("/signals", response={200: page_of(SignalOut), **ERRORS}, tags=["happiness"])
def list_signals(
    request, client_id: int | None = Query(None, ge=1, le=MAX_ID),
    person_id: int | None = Query(None, ge=1, le=MAX_ID),
    kind: str | None = Query(None, max_length=24), since: dt.datetime | None = None,
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    _staff_only(_who(request), "happiness.view")
    qs = _model("happiness.Signal").objects.all()
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if kind:
        qs = qs.filter(kind=kind)
    if since is not None:
        qs = qs.filter(occurred_at__gte=aware(since))
    return pagination.page(qs, cursor, limit)


@api.get("/clients/{client_id}/scores", response={200: ScoresOut, **ERRORS},
         tags=["happiness"])
def client_scores(request, client_id: int):
    """The client's health and each person's happiness, with the reasons behind them."""
    principal = _who(request)
    _staff_only(principal, "happiness.view")
    client = _get(scoping.clients(principal), pk=client_id)
    health = _model("happiness.ClientScore").objects.filter(client=client).first()
    people = _model("happiness.PersonScore").objects.filter(client=client).order_by("score")
    return {"client": health, "people": list(people)}


@api.get("/next-actions", response={200: page_of(NextActionOut), **ERRORS}, tags=["happiness"])
def list_next_actions(
    request, client_id: int | None = Query(None, ge=1, le=MAX_ID),
    status: str | None = Query(None, max_length=12),
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    _staff_only(_who(request), "happiness.view")
    qs = _model("happiness.NextAction").objects.all()
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if status:
        qs = qs.filter(status=status)
    return pagination.page(qs, cursor, limit)


@api.get("/bookings", response={200: page_of(BookingOut), **ERRORS}, tags=["scheduling"])
def list_bookings(
    request, client_id: int | None = Query(None, ge=1, le=MAX_ID),
    starts_after: dt.datetime | None = None,
    cursor: str | None = CURSOR, limit: int | None = LIMIT,
):
    _staff_only(_who(request), "calendar.view")
    qs = _model("scheduling.Booking").objects.all()
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if starts_after is not None:
        qs = qs.filter(starts_at__gte=aware(starts_after))
    return pagination.page(qs, cursor, limit)
