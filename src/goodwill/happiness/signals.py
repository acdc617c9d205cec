"""The one entry point other apps use to report what happened to a person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction


def record_signal(
    *,
    kind: str,
    value: float,
    occurred_at: dt.datetime,
    person: Any = None,
    client: Any = None,
    source: str = "",
    key: str | None = None,
    note: str = "",
    details: dict[str, Any] | None = None,
):
    """Record one signal; with a `key` already recorded, returns the existing one unchanged.

    Give `person` (its client is used) or `client` for a signal about a whole client.
    `value` is clamped to -1 … +1. The person's and the client's scores are refreshed at once.
    """
    if person is None and client is None:
        raise ValueError("A signal needs a person or a client")
    return record(
        kind=kind,
        value=value,
        occurred_at=occurred_at,
        person_id=person.pk if person is not None else None,
        client_id=client.pk if client is not None else person.client_id,
        source=source,
        key=key,
        note=note,
        details=details,
    )


def record(*, rescore: bool = True, **spec: Any):
    """record_signal by ids (the desk receiver and the backfill's specs speak ids); `spec`
    holds signal_row's arguments. A key recorded before returns that signal."""
    from goodwill.happiness import scores
    from goodwill.happiness.models import Signal

    key = spec.get("key")
    if key:
        existing = Signal.objects.filter(key=key).first()
        if existing is not None:
            return existing
    signal = signal_row(**spec)
    try:
        with transaction.atomic():
            signal.save()
    except IntegrityError:
        if key:
            return Signal.objects.get(key=key)
        raise
    if rescore:
        scores.on_signal(signal)
    return signal


def signal_row(
    *,
    kind: str,
    value: float,
    occurred_at: dt.datetime,
    person_id: int | None,
    client_id: int,
    source: str = "",
    key: str | None = None,
    note: str = "",
    details: dict[str, Any] | None = None,
):
    """The unsaved Signal, checked and clipped the same way for record() and record_many()."""
    from goodwill.happiness.models import Signal, SignalKind

    if kind not in SignalKind.values:
        raise ValueError(f"Unknown signal kind {kind!r}")
    return Signal(
        client_id=client_id,
        person_id=person_id,
        kind=kind,
        value=max(-1.0, min(1.0, float(value))),
        occurred_at=occurred_at,
        source=source[:100],
        key=key or None,
        note=note[:300],
        details=details or {},
    )


def record_many(specs: list[dict[str, Any]]) -> int:
    """record() for a batch of specs (mail intake): one query for the keys already recorded, one
    INSERT. Keys seen before are skipped, as record() returns the existing signal for them."""
    from goodwill.happiness import scores
    from goodwill.happiness.models import Signal

    keys = [spec["key"] for spec in specs if spec.get("key")]
    seen = set(Signal.objects.filter(key__in=keys).values_list("key", flat=True)) if keys else set()
    rows = []
    for spec in specs:
        key = spec.get("key")
        if key and key in seen:
            continue
        if key:
            seen.add(key)
        rows.append(signal_row(**spec))
    Signal.objects.bulk_create(rows, ignore_conflicts=True)
    for row in rows:
        scores.on_signal(row)
    return len(rows)


def deferred_scoring():
    """A context manager for batches: signals recorded inside it are scored once, at its end.

    with deferred_scoring():
        for message in batch:
            ...  # each record_signal only notes who needs rescoring
    """
    from goodwill.happiness import scores

    return scores.deferred_scoring()
