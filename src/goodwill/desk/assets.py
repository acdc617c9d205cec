"""Devices (assets): the list's filters, and importing them from a CSV or XLSX file.

The import follows goodwill.clients.importing, and reuses its file reading, result types and
server-side upload store: parse the file, validate every row against the file and the
database, show a preview with each problem's row number and column, and commit only a file
without errors, re-validated and written in one transaction (all or nothing).

A row whose client already has a device with the same serial number is skipped, so importing
the same export twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from goodwill.clients.importing import (
    MAX_ROWS,
    ImportCommitError,
    ImportFileError,
    ImportRejected,
    RowError,
    TabularPreview,
    _chunks,
    _company_key,
    _read_csv,
    _read_xlsx,
    check_file_name,
)
from goodwill.clients.importing import _norm_header as norm_header
from goodwill.clients.models import Client, Person, Site
from goodwill.contracts.models import Contract
from goodwill.desk.models import Asset, AssetType
from goodwill.desk.services import contract_for

# A warranty "expiring" within this many days shows amber in the list and has its own filter.
WARRANTY_WARNING_DAYS = 90

# ---------------------------------------------------------------------------------------------
# The list


class WarrantyFilter:
    EXPIRING = "expiring"
    EXPIRED = "expired"
    CHOICES = (
        (EXPIRING, f"Ends within {WARRANTY_WARNING_DAYS} days"),
        (EXPIRED, "Expired"),
    )


ASSET_SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Lower("name"), "client__name", "pk"),
    "-name": (Lower("name").desc(), "client__name", "pk"),
    "client": ("client__name", "name", "pk"),
    "-client": ("-client__name", "name", "pk"),
    "warranty": ("warranty_end", "client__name", "name", "pk"),
    "-warranty": ("-warranty_end", "client__name", "name", "pk"),
}


def search_assets(
    *,
    client_id: int | None = None,
    asset_type: str = "",
    warranty: str = "",
    query: str = "",
    sort: str = "client",
    today: dt.date | None = None,
) -> QuerySet[Asset]:
    """Devices filtered by client, type, warranty and a name/serial search, sorted."""
    today = today or timezone.localdate()
    assets = Asset.objects.select_related("client", "site", "assigned_to", "contract")
    if client_id:
        assets = assets.filter(client_id=client_id)
    if asset_type in AssetType.values:
        assets = assets.filter(asset_type=asset_type)
    if warranty == WarrantyFilter.EXPIRING:
        horizon = today + dt.timedelta(days=WARRANTY_WARNING_DAYS)
        assets = assets.filter(warranty_end__gte=today, warranty_end__lte=horizon)
    elif warranty == WarrantyFilter.EXPIRED:
        assets = assets.filter(warranty_end__lt=today)
    query = query.strip()
    if query:
        assets = assets.filter(Q(name__icontains=query) | Q(serial__icontains=query))
    return assets.order_by(*ASSET_SORTS.get(sort, ASSET_SORTS["client"]))


def warranty_state(warranty_end: dt.date | None, today: dt.date | None = None) -> str:
    """'expired', 'expiring' (within the warning window), 'ok' or '' when unknown."""
    if warranty_end is None:
        return ""
    today = today or timezone.localdate()
    if warranty_end < today:
        return WarrantyFilter.EXPIRED
    if warranty_end <= today + dt.timedelta(days=WARRANTY_WARNING_DAYS):
        return WarrantyFilter.EXPIRING
    return "ok"


def serial_owner(client: Client | int, serial: str, exclude_pk: int | None = None) -> Asset | None:
    """The client's device with this serial number, if any (blank serials never clash)."""
    serial = serial.strip()
    if not serial:
        return None
    client_id = client if isinstance(client, int) else client.pk
    found = Asset.objects.filter(client_id=client_id, serial=serial)
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.first()


# ---------------------------------------------------------------------------------------------
# Import: columns and values

COLUMNS: dict[str, tuple[str, ...]] = {
    "client": ("client", "company", "client_name", "company_name", "organisation", "organization"),
    "name": ("name", "device", "asset", "asset_name", "device_name", "hostname"),
    "type": ("type", "asset_type", "device_type", "kind"),
    "serial": ("serial", "serial_number", "serial_no", "sn", "service_tag"),
    "site": ("site", "location", "office"),
    "assigned_to": ("assigned_to", "assigned", "user", "email", "user_email", "owner"),
    "warranty_end": ("warranty_end", "warranty", "warranty_until", "warranty_expires"),
}
REQUIRED_COLUMNS = ("client", "name")
_HEADER_LOOKUP = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}

TYPE_ALIASES: dict[str, str] = {
    **{value: value for value in AssetType.values},
    **{str(label).casefold(): value for value, label in AssetType.choices},
    "notebook": AssetType.LAPTOP,
    "pc": AssetType.DESKTOP,
    "workstation": AssetType.DESKTOP,
    "mac": AssetType.DESKTOP,
    "nas": AssetType.SERVER,
    "mfp": AssetType.PRINTER,
    "copier": AssetType.PRINTER,
    "router": AssetType.NETWORK,
    "switch": AssetType.NETWORK,
    "firewall": AssetType.NETWORK,
    "access point": AssetType.NETWORK,
    "wifi": AssetType.NETWORK,
    "network": AssetType.NETWORK,
    "tablet": AssetType.PHONE,
    "mobile": AssetType.PHONE,
    "smartphone": AssetType.PHONE,
}

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")  # xlsx dates
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD or DD/MM/YYYY (day first, as in the UK). Raises ValueError otherwise."""
    text = text.strip()
    if match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise ValueError(text)
    return dt.date(year, month, day)


class AssetAction:
    CREATE = "create"
    EXISTS = "exists"


@dataclass
class AssetRow:
    number: int  # as the spreadsheet shows it; the header is row 1
    raw: dict[str, str]
    client_id: int | None = None
    client_name: str = ""
    name: str = ""
    asset_type: str = AssetType.OTHER
    serial: str = ""
    site_id: int | None = None
    site_name: str = ""
    person_id: int | None = None
    person_name: str = ""
    warranty_end: dt.date | None = None
    action: str = ""
    existing_name: str = ""
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return bool(self.errors)

    @property
    def type_label(self) -> str:
        return AssetType(self.asset_type).label

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))


@dataclass
class AssetPreview(TabularPreview):
    rows: list[AssetRow]

    @property
    def to_create(self) -> int:
        return sum(1 for r in self.rows if r.action == AssetAction.CREATE and not r.errors)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.rows if r.action == AssetAction.EXISTS and not r.errors)

    @property
    def can_commit(self) -> bool:
        return not self.has_errors and self.to_create > 0


@dataclass
class AssetImportResult:
    created: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        devices = "device" if self.created == 1 else "devices"
        rows = "row" if self.skipped == 1 else "rows"
        return f"{self.created} {devices} added, {self.skipped} {rows} already on record skipped"


# ---------------------------------------------------------------------------------------------
# Import: reading, validating, committing


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[AssetRow], list[str]]:
    """Parse the file into (recognised columns, rows keyed by column, warnings)."""
    ext = check_file_name(filename)
    table = _read_csv(data) if ext == ".csv" else _read_xlsx(data)
    start = next((i for i, r in enumerate(table) if any(r)), None)
    if start is None:
        raise ImportFileError("The file is empty.")
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for index, name in enumerate(table[start]):
        if not name:
            continue
        column = _HEADER_LOOKUP.get(norm_header(name))
        if column is None:
            unknown.append(name)
        elif column in mapping.values():
            raise ImportFileError(
                f"Two columns mean the same thing ({column}): rename or remove one of them."
            )
        else:
            mapping[index] = column
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping.values()]
    if missing:
        raise ImportFileError(
            f"No {' or '.join(missing)} column found. The first row must name the columns: "
            "client, name, type, serial, site, assigned_to, warranty_end."
        )
    warnings = []
    if unknown:
        warnings.append(
            "These columns are not recognised and were ignored: " + ", ".join(unknown) + "."
        )
    rows: list[AssetRow] = []
    for number, cells in enumerate(table[start + 1 :], start=start + 2):
        raw = {col: cells[i] if i < len(cells) else "" for i, col in mapping.items()}
        if not any(raw.values()):
            continue
        rows.append(AssetRow(number=number, raw=raw))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows; split it up.")
    if not rows:
        raise ImportFileError("The file has a header row but no data rows.")
    return [mapping[i] for i in sorted(mapping)], rows, warnings


def _limit(row: AssetRow, column: str, value: str, name: str) -> str:
    limit = Asset._meta.get_field(name).max_length
    if limit and len(value) > limit:
        row.error(column, f"too long ({len(value)} characters; at most {limit}).")
    return value


def _validate_values(row: AssetRow, clients: dict[str, Client]) -> None:
    raw = row.raw
    company = " ".join(raw.get("client", "").split())
    if not company:
        row.error("client", "missing; every device belongs to a client.")
    elif (client := clients.get(_company_key(company))) is None:
        row.error("client", f"no client called “{company}”; add the client first.")
    else:
        row.client_id, row.client_name = client.pk, client.name

    row.name = _limit(row, "name", " ".join(raw.get("name", "").split()), "name")
    if not row.name:
        row.error("name", "missing; give the device a name, e.g. RECEPTION-PC.")

    kind = " ".join(raw.get("type", "").split()).casefold()
    if kind:
        if kind not in TYPE_ALIASES:
            choices = ", ".join(AssetType.values)
            row.error("type", f"“{raw['type']}” is not a device type; use one of {choices}.")
        else:
            row.asset_type = TYPE_ALIASES[kind]

    row.serial = _limit(row, "serial", raw.get("serial", "").strip(), "serial")

    warranty = raw.get("warranty_end", "").strip()
    if warranty:
        try:
            row.warranty_end = parse_date(warranty)
        except ValueError:
            row.error(
                "warranty_end", f"“{warranty}” is not a date; write 2027-03-31 or 31/03/2027."
            )

    email = raw.get("assigned_to", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            row.error("assigned_to", f"“{email}” is not an e-mail address.")


def validate_rows(rows: list[AssetRow]) -> None:
    """Fill in each row's cleaned values, action and errors (reads the database)."""
    clients = {_company_key(c.name): c for c in Client.objects.only("id", "name")}
    for row in rows:
        _validate_values(row, clients)

    client_ids = {row.client_id for row in rows if row.client_id}
    sites: dict[tuple[int, str], Site] = {}
    for site in Site.objects.filter(client_id__in=client_ids).only("id", "name", "client_id"):
        sites[(site.client_id, site.name.casefold())] = site
    emails = sorted({row.raw["assigned_to"].strip().casefold() for row in rows if _email(row)})
    people: dict[str, Person] = {}
    for chunk in _chunks(emails):
        found = Person.objects.annotate(email_ci=Lower("email")).filter(email_ci__in=chunk)
        people.update({p.email.casefold(): p for p in found.select_related("client")})
    serials = {row.serial for row in rows if row.serial}
    existing: dict[tuple[int, str], Asset] = {}
    for chunk in _chunks(sorted(serials)):
        for asset in Asset.objects.filter(client_id__in=client_ids, serial__in=chunk):
            existing[(asset.client_id, asset.serial)] = asset

    seen_serials: dict[tuple[int, str], int] = {}
    for row in rows:
        if row.client_id is None:
            continue
        site_name = row.raw.get("site", "").strip()
        if site_name:
            site = sites.get((row.client_id, " ".join(site_name.split()).casefold()))
            if site is None:
                known = sorted(s.name for (cid, _), s in sites.items() if cid == row.client_id)
                hint = f"; its sites are {', '.join(known)}" if known else "; it has no sites yet"
                row.error("site", f"{row.client_name} has no site “{site_name}”{hint}.")
            else:
                row.site_id, row.site_name = site.pk, site.name
        if email := _email(row):
            person = people.get(email.casefold())
            if person is None:
                row.error("assigned_to", f"nobody on record has the address {email}.")
            elif person.client_id != row.client_id:
                row.error(
                    "assigned_to",
                    f"{email} is {person.full_name} at {person.client.name}, "
                    f"not at {row.client_name}.",
                )
            else:
                row.person_id, row.person_name = person.pk, person.full_name
        row.action = AssetAction.CREATE
        if not row.serial:
            continue
        key = (row.client_id, row.serial)
        if key in seen_serials:
            row.error("serial", f"{row.serial} is also on row {seen_serials[key]}.")
            continue
        seen_serials[key] = row.number
        if key in existing:
            row.action = AssetAction.EXISTS
            row.existing_name = existing[key].name


def _email(row: AssetRow) -> str:
    return row.raw.get("assigned_to", "").strip()


def build_preview(data: bytes, filename: str) -> AssetPreview:
    """Parse and validate; raises ImportFileError when the file as a whole is unusable."""
    columns, rows, warnings = read_rows(data, filename)
    validate_rows(rows)
    return AssetPreview(filename=filename, columns=columns, rows=rows, warnings=warnings)


def apply_preview(
    preview: AssetPreview, *, progress: Callable[[int], None] | None = None
) -> AssetImportResult:
    """Write a validated preview in one transaction; any failure rolls everything back."""
    if preview.has_errors:
        raise ImportRejected(preview)  # type: ignore[arg-type]  # duck-typed: error_count
    result = AssetImportResult()
    contracts: dict[tuple[int, int | None], Contract | None] = {}
    client_ids = {r.client_id for r in preview.rows if r.client_id}
    site_ids = {r.site_id for r in preview.rows if r.site_id}
    clients = {c.pk: c for c in Client.objects.filter(pk__in=client_ids)}
    sites = {s.pk: s for s in Site.objects.filter(pk__in=site_ids)}
    with transaction.atomic():
        for row in preview.rows:
            if row.action != AssetAction.CREATE or row.client_id is None:
                result.skipped += 1
                continue
            try:
                key = (row.client_id, row.site_id)
                if key not in contracts:
                    site = sites.get(row.site_id) if row.site_id else None
                    contracts[key] = contract_for(clients[row.client_id], site)
                asset = Asset(
                    client_id=row.client_id,
                    site_id=row.site_id,
                    contract=contracts[key],
                    name=row.name,
                    asset_type=row.asset_type,
                    serial=row.serial,
                    assigned_to_id=row.person_id,
                    warranty_end=row.warranty_end,
                )
                asset.full_clean(validate_unique=False, validate_constraints=False)
                asset.save()
            except Exception as exc:
                detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else exc
                raise ImportCommitError(
                    f"Row {row.number}: {detail}. Nothing was imported."
                ) from exc
            result.created += 1
            if progress is not None:
                progress(1)
    return result


def commit_import(data: bytes, filename: str, **kwargs: Any) -> AssetImportResult:
    """Re-validate the file against today's data and import it, all or nothing.

    Raises ImportFileError, ImportRejected (row errors) or ImportCommitError (rolled back).
    """
    with transaction.atomic():
        return apply_preview(build_preview(data, filename), **kwargs)
