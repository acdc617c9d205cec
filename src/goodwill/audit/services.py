"""The audit trail: read an object's history in words, filter the whole log, write entries.

Most entries are written by django-auditlog from the model signals (see registry.py); the actor
is the signed-in user (AuditlogMiddleware) or, outside a request, nobody ("Goodwill").
Services that change a registered record with a queryset `update()` write their entry
explicitly with `record_change`, so the trail has no holes where signals are bypassed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import auditlog_disabled, auditlog_value
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.encoding import smart_str
from django.utils.text import capfirst

from goodwill.accounts.models import StaffRole
from goodwill.audit.registry import MASK

ACTIONS = {
    LogEntry.Action.CREATE: "created",
    LogEntry.Action.UPDATE: "changed",
    LogEntry.Action.DELETE: "deleted",
    LogEntry.Action.ACCESS: "viewed",
}
NOBODY = "Goodwill (a job or a command)"  # no signed-in user: the worker, a goodwill command
# Where a model's verbose name, made from its class name, reads badly.
KIND_NAMES = {"contracts.slatarget": "SLA target", "api.apitoken": "API token"}
EMPTY = "—"
# Who may read which part of the log: owners all of it, bookkeepers the money.
SCOPES: dict[str, set[str] | None] = {StaffRole.OWNER: None, StaffRole.BOOKKEEPER: {"billing"}}


@dataclass
class Change:
    label: str
    old: str
    new: str
    text: str = ""  # instead of old → new, e.g. "added Head office" for a many-to-many field


@dataclass
class Entry:
    at: dt.datetime
    actor: str
    action: str
    kind: str
    subject: str
    changes: list[Change] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """One line for the CSV: 'Fee: 100.00 → 120.00; State: Draft → Active'."""
        return "; ".join(f"{c.label}: {self._words(c)}" for c in self.changes)

    def _words(self, change: Change) -> str:
        if change.text:
            return change.text
        return change.new if self.action == "created" else f"{change.old} → {change.new}"


# --- Writing ------------------------------------------------------------------------------------


def _raw(value: Any) -> str:
    """A value as django-auditlog stores it, so explicit entries read like automatic ones."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value, dt.UTC)
    if isinstance(value, models.Model):
        value = value.pk
    return smart_str(value)


def record_change(
    instance: models.Model,
    changes: dict[str, tuple[Any, Any]],
    *,
    action: int = LogEntry.Action.UPDATE,
) -> LogEntry | None:
    """Write an entry for a change that bypassed the model signals (a queryset update()).

    `changes` maps a field name (or a short phrase, shown as is) to (old, new). Within a request
    the middleware stamps the signed-in user as actor, exactly as for automatic entries.
    """
    if auditlog_disabled.get() or not auditlog.contains(type(instance)):
        return None  # (disabled: the demo's bulk writes)
    masked = set(auditlog.get_model_fields(type(instance))["mask_fields"])
    stored = {
        name: [MASK, MASK] if name in masked else [_raw(old), _raw(new)]
        for name, (old, new) in changes.items()
        if old != new
    }
    if not stored:
        return None
    return LogEntry.objects.log_create(instance, action=action, changes=stored)


def record_created(instances: Sequence[models.Model], *, actor: Any = None) -> None:
    """Creation entries for rows made with bulk_create (which sends no signals), in one INSERT."""
    if auditlog_disabled.get() or not instances or not auditlog.contains(type(instances[0])):
        return
    from auditlog.diff import model_instance_diff

    content_type = ContentType.objects.get_for_model(type(instances[0]))
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=str(row.pk),
                object_id=row.pk,
                object_repr=smart_str(row)[:2000],
                action=LogEntry.Action.CREATE,
                changes=model_instance_diff(None, row),
                serialized_data=LogEntry.objects._get_serialized_data_or_none(row),
                actor=actor if getattr(actor, "pk", None) else None,
                actor_email=getattr(actor, "email", None) or None,
            )
            for row in instances
            if row.pk is not None
        ]
    )


def act_as(user: Any) -> None:
    """Make `user` the actor of the entries written for the rest of this request: for callers
    that authenticate without a session (API tokens), which the middleware cannot see."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    context["actor"] = user


# --- Reading ------------------------------------------------------------------------------------


def _child_q(spec: str, pk: int) -> Q:
    """'clients.PersonRole:person' -> entries of that model whose `person` was `pk`."""
    label, fk = spec.split(":")
    content_type = ContentType.objects.get_for_model(apps.get_model(label))
    return Q(content_type=content_type, **{f"serialized_data__fields__{fk}": pk})


def history_for(obj: models.Model, *children: str, limit: int = 30) -> list[Entry]:
    """The latest entries about `obj` and, for each "app.Model:field" in `children`, about the
    records of that model pointing at it (a person's roles, an invoice's allocations)."""
    if obj is None or obj.pk is None:
        return []
    query = Q(pk__in=[])
    if auditlog.contains(type(obj)):
        content_type = ContentType.objects.get_for_model(type(obj))
        query |= Q(content_type=content_type, object_id=obj.pk)
    for spec in children:
        query |= _child_q(spec, obj.pk)
    rows = LogEntry.objects.filter(query).select_related("actor", "content_type")
    return describe(rows.order_by("-timestamp", "-id")[:limit])


def recent_for_models(*labels: str, limit: int = 20) -> list[Entry]:
    """The latest entries about any record of these models (a settings page's rows)."""
    types = ContentType.objects.get_for_models(*(apps.get_model(label) for label in labels))
    rows = LogEntry.objects.filter(content_type__in=list(types.values()))
    rows = rows.select_related("actor", "content_type").order_by("-timestamp", "-id")
    return describe(rows[:limit])


def audited_models() -> list[type[models.Model]]:
    return sorted(auditlog.get_models(), key=lambda m: str(m._meta.verbose_name))


def models_visible_to(user: Any) -> list[type[models.Model]]:
    scope = SCOPES.get(getattr(user, "effective_role", ""), set())
    return [m for m in audited_models() if scope is None or m._meta.app_label in scope]


@dataclass
class LogFilters:
    model: str = ""  # "app_label.modelname"
    object: str = ""  # a primary key, with model
    actor: str = ""  # a user id, or "none" for automatic changes
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    text: str = ""

    @classmethod
    def from_query(cls, params: Any) -> LogFilters:
        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None

        return cls(
            model=params.get("model", "").strip().lower(),
            object=params.get("object", "").strip(),
            actor=params.get("actor", "").strip(),
            action=params.get("action", "").strip(),
            since=day("since"),
            until=day("until"),
            text=params.get("q", "").strip()[:100],
        )


def filtered_log(user: Any, filters: LogFilters) -> QuerySet[LogEntry]:
    """The entries `user` may read, narrowed by the filters (unknown values are ignored)."""
    visible = models_visible_to(user)
    types = ContentType.objects.get_for_models(*visible).values() if visible else []
    rows = LogEntry.objects.filter(content_type__in=list(types))
    by_label = {m._meta.label_lower: m for m in visible}
    if filters.model in by_label:
        rows = rows.filter(content_type=ContentType.objects.get_for_model(by_label[filters.model]))
        if filters.object.isdigit():
            rows = rows.filter(object_id=int(filters.object))
    if filters.actor == "none":
        rows = rows.filter(actor__isnull=True)
    elif filters.actor.isdigit():
        rows = rows.filter(actor_id=int(filters.actor))
    actions = {name: value for value, name in ACTIONS.items()}
    if filters.action in actions:
        rows = rows.filter(action=actions[filters.action])
    tz = timezone.get_current_timezone()
    if filters.since:
        rows = rows.filter(timestamp__gte=dt.datetime.combine(filters.since, dt.time(), tz))
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), tz)
        rows = rows.filter(timestamp__lt=end)
    if filters.text:
        rows = rows.filter(object_repr__icontains=filters.text)
    return rows.select_related("actor", "content_type").order_by("-timestamp", "-id")


# --- In words -----------------------------------------------------------------------------------


def _actor(entry: LogEntry) -> str:
    if entry.actor is not None:
        return str(entry.actor)
    return entry.actor_email or NOBODY


def _model_field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except Exception:
        return None
    return found if isinstance(found, models.Field) else None


def _when(raw: str, with_time: bool) -> str:
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if with_time:
        if timezone.is_naive(value):
            value = value.replace(tzinfo=dt.UTC)  # auditlog stores naive UTC
        return date_format(timezone.localtime(value), "j M Y H:i")
    return date_format(value, "j M Y")


def _words(model_field: models.Field | None, raw: Any, names: dict[tuple, str]) -> str:
    """One stored value as a person would say it."""
    if raw is None or raw in ("None", ""):
        return EMPTY
    raw = raw if isinstance(raw, str) else json.dumps(raw)
    if raw == MASK:
        return MASK
    if model_field is None:
        return raw[:200]
    if model_field.is_relation:
        return names.get((model_field.related_model, raw), f"#{raw}")
    if model_field.flatchoices:
        return str(dict((str(k), v) for k, v in model_field.flatchoices).get(raw, raw))
    if isinstance(model_field, models.BooleanField):
        return {"True": "yes", "False": "no"}.get(raw, raw)
    if isinstance(model_field, models.DateTimeField):
        return _when(raw, with_time=True)
    if isinstance(model_field, models.DateField):
        return _when(raw, with_time=False)
    if isinstance(model_field, models.JSONField):
        try:
            value = json.loads(raw)
        except ValueError:
            return raw[:200]
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or EMPTY
    return raw[:200]


def _related_names(entries: Sequence[LogEntry]) -> dict[tuple, str]:
    """The names behind the foreign keys the entries mention, one query per related model."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items():
            model_field = _model_field(model, name)
            if model_field is not None and model_field.is_relation and model_field.related_model:
                wanted[model_field.related_model] |= {
                    v for v in values if isinstance(v, str) and v.isdigit()
                }
    names: dict[tuple, str] = {}
    for model, pks in wanted.items():
        found = model._default_manager.in_bulk([int(pk) for pk in pks])
        for pk in pks:
            obj = found.get(int(pk))
            names[(model, pk)] = str(obj) if obj is not None else f"#{pk} (deleted)"
    return names


def _kind(model: type[models.Model]) -> str:
    return KIND_NAMES.get(model._meta.label_lower, str(model._meta.verbose_name))


def _is_blank(value: str) -> bool:
    return value in (EMPTY, "no", "0", "0.00")


def describe(entries: Iterable[LogEntry]) -> list[Entry]:
    entries = list(entries)
    names = _related_names(entries)
    described = []
    for entry in entries:
        model = entry.content_type.model_class()
        registered = model is not None and auditlog.contains(model)
        mapping = auditlog.get_model_fields(model)["mapping_fields"] if registered else {}
        changes = []
        for name, values in (entry.changes or {}).items():
            model_field = _model_field(model, name)
            if isinstance(values, dict) and values.get("type") == "m2m":
                label = capfirst(str(model_field.verbose_name)) if model_field else name
                verb = "added" if values.get("operation") == "add" else "removed"
                names_said = ", ".join(str(v) for v in values.get("objects", []))
                changes.append(Change(mapping.get(name, label), "", "", f"{verb} {names_said}"))
                continue
            if not isinstance(values, list) or len(values) != 2:
                continue
            label = capfirst(str(model_field.verbose_name)) if model_field else name
            label = mapping.get(name, label)
            old, new = (_words(model_field, v, names) for v in values)
            if entry.action == LogEntry.Action.CREATE and _is_blank(new):
                continue  # a new record: say what was set, not every empty field
            changes.append(Change(label, old, new))
        changes.sort(key=lambda c: c.label)
        described.append(
            Entry(
                at=entry.timestamp,
                actor=_actor(entry),
                action=ACTIONS.get(entry.action, "changed"),
                kind=_kind(model) if model else entry.content_type.model,
                subject=entry.object_repr,
                changes=changes,
            )
        )
    return described


# --- Export -------------------------------------------------------------------------------------

CSV_HEADER = ["When", "Who", "Action", "What", "Record", "Record id", "Changes", "Address"]


def csv_rows(rows: QuerySet[LogEntry], batch: int = 500) -> Iterator[list[Any]]:
    """The log as CSV rows, read in batches so a long export never holds it all in memory."""
    last = None
    while True:
        page = (
            rows
            if last is None
            else rows.filter(Q(timestamp__lt=last[0]) | Q(timestamp=last[0], id__lt=last[1]))
        )
        chunk = list(page[:batch])
        if not chunk:
            return
        for entry, words in zip(chunk, describe(chunk), strict=True):
            yield [
                timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
                words.actor,
                words.action,
                words.kind,
                words.subject,
                entry.object_pk,
                words.summary,
                entry.remote_addr or "",
            ]
        last = (chunk[-1].timestamp, chunk[-1].id)
        if len(chunk) < batch:
            return
