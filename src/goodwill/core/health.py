"""`/healthz`: is this installation working? For monitors and load balancers; no login, no secrets.

Answered by a middleware at the very top of MIDDLEWARE, before host validation, the HTTPS
redirect and sessions: a monitor probing an app server by its address gets an answer, and a
probe every few seconds costs four indexed queries and nothing else.

- 200 with "status": "ok" when the database answers and a worker beat recently;
- 503 with "status": "fail" when the database is down or no worker has beaten within
  GOODWILL_HEALTH_WORKER_MAX_AGE seconds (0 turns the worker check off).

The outbox backlog (queued, sending, failed) and the quarantined mail are reported for
dashboards and alerts but do not fail the check: the service still works with them.

`/healthz?scope=web` checks only what this app server needs (the database): point a load
balancer there, so a stopped worker does not take every app server out of rotation.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

logger = logging.getLogger("goodwill.health")

PATH = "/healthz"
# Heartbeats of processes gone this long are deleted when a worker starts.
FORGET_AFTER = dt.timedelta(days=7)


def this_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def record_heartbeat(worker: str, now: dt.datetime, *, started_at: dt.datetime) -> None:
    from goodwill.core.models import WorkerHeartbeat

    updated = WorkerHeartbeat.objects.filter(worker=worker).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
        WorkerHeartbeat.objects.update_or_create(
            worker=worker, defaults={"beat_at": now, "started_at": started_at}
        )


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _worker(now: dt.datetime) -> dict[str, Any]:
    from goodwill.core.models import WorkerHeartbeat

    max_age = settings.GOODWILL_HEALTH_WORKER_MAX_AGE
    if max_age <= 0:
        return {"ok": True, "checked": False}
    recent = now - dt.timedelta(seconds=max_age)
    summary = WorkerHeartbeat.objects.aggregate(
        last=Max("beat_at"),
        alive=Count("id", filter=Q(beat_at__gte=recent)),
    )
    last = summary["last"]
    age = None if last is None else max(0, int((now - last).total_seconds()))
    return {
        "ok": age is not None and age <= max_age,
        "last_beat": last.isoformat() if last else None,
        "age_seconds": age,
        "max_age_seconds": max_age,
        "alive": summary["alive"],
    }


def _outbox() -> dict[str, Any]:
    from goodwill.core.models import OutboundMessage, OutboundStatus

    backlog = [OutboundStatus.QUEUED, OutboundStatus.SENDING, OutboundStatus.FAILED]
    counts = dict(
        OutboundMessage.objects.filter(status__in=backlog)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {str(status): counts.get(status, 0) for status in backlog}


def _mail() -> dict[str, Any]:
    # core sits below mail, so it asks the app registry instead of importing it.
    inbound = apps.get_model("mail", "InboundMail")
    return {"quarantined": inbound.objects.filter(status="quarantined").count()}


def report(scope: str = "all", now: dt.datetime | None = None) -> tuple[bool, dict[str, Any]]:
    """Run the checks; return (healthy, the JSON body)."""
    now = now or timezone.now()
    checks: dict[str, Any] = {}
    try:
        checks["database"] = _database()
    except DatabaseError as exc:
        logger.error("Health check: the database does not answer: %s", exc)
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        return False, {"status": "fail", "checks": checks}
    healthy = True
    if scope != "web":
        try:
            checks["worker"] = _worker(now)
            checks["outbox"] = _outbox()
            checks["mail"] = _mail()
        except DatabaseError as exc:  # migrations not applied, a table locked for too long…
            logger.error("Health check failed while reading: %s", exc)
            checks["database"] = {"ok": False, "error": type(exc).__name__}
            return False, {"status": "fail", "checks": checks}
        healthy = checks["worker"]["ok"]
    return healthy, {"status": "ok" if healthy else "fail", "checks": checks}


def healthz(request: HttpRequest) -> HttpResponse:
    healthy, body = report(scope=request.GET.get("scope", "all"))
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answer /healthz before anything else runs (see the module docstring for why)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.rstrip("/") == PATH and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
