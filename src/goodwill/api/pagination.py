"""Cursor pages: newest first by id, the cursor an opaque token for "after this id".

A cursor does not shift when rows are added (unlike an offset) and costs one index range scan
however deep the page.
"""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from .problems import ApiProblem

MAX_LIMIT = 200


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id":
            raise ValueError(raw)
        number = int(value)
        if number < 0:
            raise ValueError(raw)
        return number
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiProblem(
            422, "The cursor is not one this API gave out.",
            [{"loc": ["query", "cursor"], "msg": "Invalid cursor"}],
        ) from exc


def page(qs: QuerySet[Any], cursor: str | None, limit: int | None) -> dict[str, Any]:
    size = min(max(limit or settings.GOODWILL_API_PAGE_SIZE, 1), MAX_LIMIT)
    if cursor:
        qs = qs.filter(pk__lt=decode(cursor))
    rows = list(qs.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {"items": rows, "next_cursor": encode(rows[-1].pk) if more and rows else None}
