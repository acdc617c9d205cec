"""Import clients and people from a CSV or XLSX file.

The flow is: parse the file into rows, validate every row against the file itself and the
database, and show a preview (what each row will do, and every problem with its spreadsheet row
number and column). Only a file without errors can be committed, and the commit re-validates
and writes everything inside one transaction, so it is all or nothing.

The web views and the `goodwill import` command are thin wrappers around `build_preview` and
`commit_import`; uploads waiting between preview and commit are kept server-side by
`store_upload` / `load_upload`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from goodwill.audit import services as audit
from goodwill.clients.models import (
    Client,
    Language,
    Person,
    PersonRole,
    RoleSource,
    StakeholderRole,
)
from goodwill.core.timezones import time_zone_names

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
STORED_UPLOAD_MAX_AGE = dt.timedelta(days=1)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

# Canonical column -> accepted header spellings (compared after `_norm_header`).
COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("company", "client", "company_name", "client_name", "organisation", "organization"),
    "company_domains": ("company_domains", "domains", "email_domains", "domain", "company_domain"),
    "first_name": ("first_name", "firstname", "first", "given_name", "forename"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name"),
    "email": ("email", "e_mail", "email_address", "e_mail_address", "mail"),
    "job_title": ("job_title", "title", "position", "job"),
    "phone": ("phone", "telephone", "phone_number", "tel", "work_phone"),
    "mobile": ("mobile", "mobile_phone", "cell", "cell_phone", "mobile_number"),
    "time_zone": ("time_zone", "timezone", "tz"),
    "language": ("language", "lang"),
    "roles": ("roles", "role", "stakeholder_roles", "stakeholder_role"),
    "portal_access": ("portal_access", "portal"),
}
PERSON_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "job_title",
    "phone",
    "mobile",
    "time_zone",
    "language",
    "roles",
    "portal_access",
)

ROLE_ALIASES: dict[str, str] = {
    "decision_maker": StakeholderRole.DECISION_MAKER,
    "boss": StakeholderRole.DECISION_MAKER,
    "gatekeeper": StakeholderRole.GATEKEEPER,
    "pa": StakeholderRole.GATEKEEPER,
    "assistant": StakeholderRole.GATEKEEPER,
    "billing": StakeholderRole.BILLING,
    "fd": StakeholderRole.BILLING,
    "finance": StakeholderRole.BILLING,
    "financial_director": StakeholderRole.BILLING,
    "finance_director": StakeholderRole.BILLING,
    "complainer": StakeholderRole.COMPLAINER,
}
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _norm_header(value: str) -> str:
    return re.sub(r"[\s\-_.]+", "_", value.strip().lower()).strip("_")


_HEADER_LOOKUP: dict[str, str] = {
    alias: column for column, aliases in COLUMNS.items() for alias in aliases
}


def _norm_token(value: str) -> str:
    return re.sub(r"[\s\-_]+", "_", value.strip().lower())


def _company_key(name: str) -> str:
    """How company names are matched: trimmed, inner spaces collapsed, case-insensitive."""
    return " ".join(name.split()).casefold()


def _languages() -> dict[str, str]:
    english = {
        "english": "en",
        "french": "fr",
        "german": "de",
        "spanish": "es",
        "italian": "it",
        "dutch": "nl",
        "portuguese": "pt",
        "polish": "pl",
    }
    out = {value: value for value in Language.values}
    out.update({str(label).casefold(): value for value, label in Language.choices})
    out.update(english)
    return out


def _max_length(model: type[Any], name: str) -> int | None:
    return model._meta.get_field(name).max_length


# ---------------------------------------------------------------------------------------------
# Results


class ImportFileError(Exception):
    """The file as a whole cannot be used (wrong type, unreadable, no header row...)."""


class ImportRejected(Exception):
    """Commit refused: the file has row errors (possibly new ones since the preview)."""

    def __init__(self, preview: ImportPreview) -> None:
        self.preview = preview
        super().__init__(f"The file has {preview.error_count} error(s); nothing was imported.")


class ImportCommitError(Exception):
    """Writing a row failed; the whole import was rolled back."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, {self.column}" if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


class Action:
    CREATE_CLIENT = "create_client"
    CLIENT_EXISTS = "client_exists"
    CREATE_PERSON = "create_person"
    PERSON_EXISTS = "person_exists"
    DUPLICATE_IN_FILE = "duplicate_in_file"


ACTION_LABELS = {
    Action.CREATE_CLIENT: "Create client",
    Action.CLIENT_EXISTS: "Client already exists — skipped",
    Action.CREATE_PERSON: "Create person",
    Action.PERSON_EXISTS: "Already exists — skipped",
    Action.DUPLICATE_IN_FILE: "Duplicate within the file",
}


@dataclass
class PreviewRow:
    number: int  # as the spreadsheet shows it; the header is row 1
    raw: dict[str, str]
    company: str = ""
    domains: list[str] = field(default_factory=list)
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    job_title: str = ""
    phone: str = ""
    mobile: str = ""
    time_zone: str = ""
    language: str = ""
    roles: list[str] = field(default_factory=list)
    portal_access: bool = False
    action: str = ""
    new_client: bool = False  # this row's company is created by the import
    client_id: int | None = None  # existing client reused
    existing_person_id: int | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def has_person(self) -> bool:
        return any(self.raw.get(c, "") for c in PERSON_COLUMNS)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, "")

    @property
    def role_labels(self) -> list[tuple[str, str]]:
        return [(r, StakeholderRole(r).label) for r in self.roles]

    @property
    def is_error(self) -> bool:
        return bool(self.errors)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))


@dataclass
class TabularPreview:
    """What an uploaded sheet would do, row by row; shared by every spreadsheet import."""

    filename: str
    columns: list[str]
    rows: list[Any]  # rows with `errors: list[RowError]`
    warnings: list[str]

    @property
    def errors(self) -> list[RowError]:
        return [e for row in self.rows for e in row.errors]

    @property
    def error_count(self) -> int:
        return sum(len(row.errors) for row in self.rows)

    @property
    def error_rows(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)


@dataclass
class ImportPreview(TabularPreview):
    rows: list[PreviewRow]

    @property
    def clients_to_create(self) -> int:
        """New companies that rows without errors would create."""
        return len(
            {
                _company_key(r.company)
                for r in self.rows
                if r.company and r.client_id is None and not r.errors
            }
        )

    @property
    def people_to_create(self) -> int:
        return sum(1 for r in self.rows if r.action == Action.CREATE_PERSON and not r.errors)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.rows if r.action in (Action.PERSON_EXISTS, Action.CLIENT_EXISTS))

    @property
    def can_commit(self) -> bool:
        return not self.has_errors and (self.people_to_create > 0 or self.clients_to_create > 0)


@dataclass
class ImportResult:
    clients_created: int = 0
    people_created: int = 0
    roles_created: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        def n(count: int, one: str, many: str) -> str:
            return f"{count} {one if count == 1 else many}"

        return (
            f"{n(self.clients_created, 'client', 'clients')} and "
            f"{n(self.people_created, 'person', 'people')} created, "
            f"{n(self.roles_created, 'role', 'roles')} given, "
            f"{n(self.skipped, 'row', 'rows')} skipped"
        )


# ---------------------------------------------------------------------------------------------
# Reading the file


def check_file_name(filename: str) -> str:
    """Return the lower-case extension, or raise ImportFileError for anything but CSV/XLSX."""
    ext = Path(filename).suffix.lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise ImportFileError(
            "Only .csv and .xlsx files can be imported. Save the spreadsheet as CSV "
            "(comma separated) or Excel workbook (.xlsx) and try again."
        )
    return ext


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel on Windows
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    # The csv module rather than tablib: tablib drops blank lines, which would shift the row
    # numbers we report away from what the spreadsheet shows.
    try:
        return [
            [_cell(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise ImportFileError(f"This CSV file could not be read: {exc}.") from exc


def _read_xlsx(data: bytes) -> list[list[str]]:
    dataset = tablib.Dataset()
    try:
        dataset.load(io.BytesIO(data), format="xlsx", headers=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or wrong file
        raise ImportFileError(
            "This file could not be read as an Excel workbook (.xlsx). "
            "If it is an old .xls file, save it as .xlsx or CSV first."
        ) from exc
    return [[_cell(c) for c in row] for row in dataset]


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[PreviewRow], list[str]]:
    """Parse the file into (recognised columns, rows keyed by canonical column, warnings)."""
    ext = check_file_name(filename)
    table = _read_csv(data) if ext == ".csv" else _read_xlsx(data)
    # The header is the first non-blank line; the row numbers stay those of the spreadsheet.
    start = next((i for i, r in enumerate(table) if any(r)), None)
    if start is None:
        raise ImportFileError("The file is empty.")
    header = table[start]
    warnings: list[str] = []
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        if not name:
            continue
        column = _HEADER_LOOKUP.get(_norm_header(name))
        if column is None:
            unknown.append(name)
        elif column in mapping.values():
            raise ImportFileError(
                f"Two columns mean the same thing ({column}): rename or remove one of them."
            )
        else:
            mapping[index] = column
    if "company" not in mapping.values():
        raise ImportFileError(
            "No company column found. The first row must name the columns, e.g. company, "
            "first_name, last_name, email (see the sample file)."
        )
    if unknown:
        warnings.append(
            "These columns are not recognised and were ignored: " + ", ".join(unknown) + "."
        )
    rows: list[PreviewRow] = []
    for offset, cells in enumerate(table[start + 1 :], start=start + 2):
        if not any(cells):
            continue
        raw = {col: cells[i] if i < len(cells) else "" for i, col in mapping.items()}
        if not any(raw.values()):
            continue
        rows.append(PreviewRow(number=offset, raw=raw))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows; split it up.")
    if not rows:
        raise ImportFileError("The file has a header row but no data rows.")
    columns = [mapping[i] for i in sorted(mapping)]
    return columns, rows, warnings


# ---------------------------------------------------------------------------------------------
# Validation


def _check_length(row: PreviewRow, column: str, value: str, model: type[Any], name: str) -> str:
    limit = _max_length(model, name)
    if limit and len(value) > limit:
        row.error(column, f"too long ({len(value)} characters; at most {limit}).")
    return value


def _parse_roles(row: PreviewRow, value: str) -> list[str]:
    roles: list[str] = []
    for token in re.split(r"[;,/|]", value):
        if not token.strip():
            continue
        role = ROLE_ALIASES.get(_norm_token(token))
        if role is None:
            row.error(
                "roles",
                f"unknown role “{token.strip()}”; use decision_maker (boss), gatekeeper (PA), "
                "billing (FD, finance) or complainer, separated by “;”.",
            )
        elif role not in roles:
            roles.append(str(role))
    return roles


def _validate_fields(row: PreviewRow, languages: dict[str, str], zones: dict[str, str]) -> None:
    raw = row.raw
    row.company = " ".join(raw.get("company", "").split())
    if not row.company:
        row.error("company", "missing; every row needs the company the person works at.")
    _check_length(row, "company", row.company, Client, "name")

    domains_text = raw.get("company_domains", "")
    for token in re.split(r"[,;\s]+", domains_text.lower()):
        domain = token.strip().lstrip("@")
        if not domain:
            continue
        if not _DOMAIN_RE.match(domain):
            row.error("company_domains", f"“{token}” is not a mail domain such as acme.co.uk.")
        elif domain not in row.domains:
            row.domains.append(domain)

    if not row.has_person:
        return

    row.first_name = raw.get("first_name", "")
    if not row.first_name:
        row.error(
            "first_name",
            "missing; a person needs a first name (leave all person columns empty to "
            "create only the company).",
        )
    for column in ("first_name", "last_name", "job_title", "phone", "mobile"):
        value = _check_length(row, column, raw.get(column, ""), Person, column)
        setattr(row, column, value)

    email = raw.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            row.error("email", f"“{email}” is not a valid e-mail address.")
        else:
            row.email = _check_length(row, "email", email, Person, "email")

    zone = raw.get("time_zone", "")
    if zone:
        row.time_zone = zones.get(zone.casefold(), "")
        if not row.time_zone:
            row.error(
                "time_zone",
                f"“{zone}” is not a known time zone; use an IANA name such as Europe/London.",
            )

    language = raw.get("language", "")
    if language:
        row.language = languages.get(language.casefold(), "")
        if not row.language:
            row.error(
                "language",
                f"“{language}” is not a supported language; use one of "
                + ", ".join(Language.values)
                + ".",
            )

    row.roles = _parse_roles(row, raw.get("roles", ""))

    portal = raw.get("portal_access", "").strip().lower()
    if portal in _YES:
        row.portal_access = True
    elif portal not in _NO:
        row.error("portal_access", f"“{raw['portal_access']}” should be yes or no.")


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def validate_rows(rows: list[PreviewRow]) -> None:
    """Fill in each row's cleaned values, action and errors (reads the database)."""
    languages = _languages()
    zones = {name.casefold(): name for name in time_zone_names()}
    for row in rows:
        _validate_fields(row, languages, zones)

    existing_clients = {_company_key(c.name): c for c in Client.objects.only("id", "name")}
    emails = sorted({row.email.casefold() for row in rows if row.email})
    existing_people: dict[str, Person] = {}
    for chunk in _chunks(emails):
        people = (
            Person.objects.annotate(email_ci=Lower("email"))
            .filter(email_ci__in=chunk)
            .select_related("client")
        )
        existing_people.update({p.email.casefold(): p for p in people})

    seen_companies: set[str] = set()
    seen_emails: dict[str, int] = {}
    for row in rows:
        if not row.company:
            continue
        key = _company_key(row.company)
        client = existing_clients.get(key)
        if client is not None:
            row.client_id = client.pk
            row.company = client.name
        elif key not in seen_companies:
            row.new_client = True
        seen_companies.add(key)

        if not row.has_person:
            row.action = Action.CREATE_CLIENT if row.new_client else Action.CLIENT_EXISTS
            continue
        row.action = Action.CREATE_PERSON
        if not row.email:
            continue
        email_key = row.email.casefold()
        if email_key in seen_emails:
            row.action = Action.DUPLICATE_IN_FILE
            row.error("email", f"{row.email} is also on row {seen_emails[email_key]}.")
            continue
        seen_emails[email_key] = row.number
        person = existing_people.get(email_key)
        if person is None:
            continue
        if client is not None and person.client_id == client.pk:
            row.action = Action.PERSON_EXISTS
            row.existing_person_id = person.pk
        else:
            row.error(
                "email",
                f"{row.email} already belongs to {person.full_name} at {person.client.name}.",
            )


def build_preview(data: bytes, filename: str) -> ImportPreview:
    """Parse and validate; raises ImportFileError when the file as a whole is unusable."""
    columns, rows, warnings = read_rows(data, filename)
    validate_rows(rows)
    return ImportPreview(filename=filename, columns=columns, rows=rows, warnings=warnings)


# ---------------------------------------------------------------------------------------------
# Commit


def _create_client(row: PreviewRow, domains: list[str]) -> Client:
    client = Client(name=row.company, email_domains=", ".join(domains))
    client.full_clean(validate_unique=False, validate_constraints=False)
    client.save()
    return client


def _create_person(row: PreviewRow, client: Client, user: Any = None) -> tuple[Person, int]:
    person = Person(
        client=client,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        job_title=row.job_title,
        phone=row.phone,
        mobile=row.mobile,
        portal_access=row.portal_access,
    )
    if row.time_zone:
        person.time_zone = row.time_zone
    if row.language:
        person.language = row.language
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save()
    assigned_by = user if getattr(user, "pk", None) else None
    roles = PersonRole.objects.bulk_create(
        [
            PersonRole(
                person=person,
                client=client,
                role=role,
                source=RoleSource.IMPORT,
                assigned_by=assigned_by,
            )
            for role in row.roles
        ]
    )
    # bulk_create sends no signals: the audit trail hears of the imported roles from here.
    audit.record_created(roles, actor=assigned_by)
    return person, len(row.roles)


def apply_preview(
    preview: ImportPreview,
    *,
    user: Any = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write a validated preview in one transaction; any failure rolls everything back."""
    if preview.has_errors:
        raise ImportRejected(preview)
    # Domains of a new client are gathered from all its rows.
    domains: dict[str, list[str]] = {}
    for row in preview.rows:
        bucket = domains.setdefault(_company_key(row.company), [])
        bucket.extend(d for d in row.domains if d not in bucket)

    result = ImportResult()
    clients: dict[str, Client] = {}
    with transaction.atomic():
        for row in preview.rows:
            try:
                key = _company_key(row.company)
                client = clients.get(key)
                if client is None:
                    if row.client_id is not None:
                        client = Client.objects.get(pk=row.client_id)
                    else:
                        client = _create_client(row, domains[key])
                        result.clients_created += 1
                    clients[key] = client
                if row.action == Action.CREATE_PERSON:
                    _person, roles = _create_person(row, client, user)
                    result.people_created += 1
                    result.roles_created += roles
                elif row.action in (Action.PERSON_EXISTS, Action.CLIENT_EXISTS):
                    result.skipped += 1
            except Exception as exc:
                detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else exc
                raise ImportCommitError(
                    f"Row {row.number}: {detail}. Nothing was imported."
                ) from exc
            if progress is not None:
                progress(1)
    return result


def commit_import(
    data: bytes,
    filename: str,
    *,
    user: Any = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Re-validate the file against today's data and import it, all or nothing.

    Raises ImportFileError, ImportRejected (row errors) or ImportCommitError (rolled back).
    """
    with transaction.atomic():
        return apply_preview(build_preview(data, filename), user=user, progress=progress)


# ---------------------------------------------------------------------------------------------
# Uploads waiting between preview and commit


class UploadNotFound(Exception):
    pass


@dataclass
class StoredUpload:
    token: str
    filename: str
    uploader_id: int | None
    uploaded_at: str
    data: bytes


def imports_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def _paths(token: str) -> tuple[Path, Path]:
    # The token comes from a URL: only our own alphabet, never a path.
    if not _TOKEN_RE.match(token):
        raise UploadNotFound(token)
    base = imports_dir()
    return base / f"{token}.upload", base / f"{token}.json"


def purge_old_uploads(max_age: dt.timedelta = STORED_UPLOAD_MAX_AGE) -> int:
    """Delete uploads nobody committed or discarded within `max_age`."""
    base = imports_dir()
    if not base.is_dir():
        return 0
    cutoff = (timezone.now() - max_age).timestamp()
    removed = 0
    for path in base.iterdir():
        if path.suffix in (".upload", ".json") and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def store_upload(data: bytes, filename: str, uploader_id: int | None) -> str:
    purge_old_uploads()
    base = imports_dir()
    base.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    data_path, meta_path = _paths(token)
    data_path.write_bytes(data)
    meta = {
        "filename": Path(filename).name[:200],
        "uploader_id": uploader_id,
        "uploaded_at": timezone.now().isoformat(),
        "size": len(data),
    }
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return token


def load_upload(token: str) -> StoredUpload:
    data_path, meta_path = _paths(token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = data_path.read_bytes()
    except (OSError, ValueError) as exc:
        raise UploadNotFound(token) from exc
    return StoredUpload(
        token=token,
        filename=str(meta.get("filename", "")),
        uploader_id=meta.get("uploader_id"),
        uploaded_at=str(meta.get("uploaded_at", "")),
        data=data,
    )


def delete_upload(token: str) -> None:
    try:
        paths = _paths(token)
    except UploadNotFound:
        return
    for path in paths:
        path.unlink(missing_ok=True)
