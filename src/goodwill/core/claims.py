"""Claim, then act: the discipline shared by every queue of things to send (the e-mail outbox,
webhook deliveries).

A row is `queued` with a `next_attempt_at`; a worker claims it with a conditional UPDATE
(queued → sending, with its own token and one more attempt), so of several workers only one
wins; a claim left behind by a killed worker is released after STALE_CLAIM. The model
extends core.models.Claimable and has a status field with "queued" and "sending".
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import models
from django.db.models import F

QUEUED, SENDING = "queued", "sending"
STALE_CLAIM = dt.timedelta(minutes=15)


def due_ids(model: type[models.Model], now: dt.datetime, limit: int) -> list[int]:
    """The rows due now, oldest first (after releasing stale claims)."""
    release_stale_claims(model, now)
    return list(
        model.objects.filter(status=QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def release_stale_claims(model: type[models.Model], now: dt.datetime) -> int:
    return model.objects.filter(status=SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=QUEUED,
        claim_token="",  # an empty claim token, not a password  # nosec B106
        next_attempt_at=now,
    )


def claim(model: type[models.Model], row_id: int, now: dt.datetime) -> str | None:
    """The claim token when this worker won the row, else None."""
    token = secrets.token_hex(16)
    won = model.objects.filter(pk=row_id, status=QUEUED, next_attempt_at__lte=now).update(
        status=SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    return token if won else None
