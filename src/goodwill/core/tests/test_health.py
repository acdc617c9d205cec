"""/healthz: 200 while the database answers and a worker beats, 503 when either stops; the
outbox backlog and quarantined mail are reported; nothing needs a login or leaks a secret."""

from __future__ import annotations

import datetime as dt
import json

import django.test
import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from goodwill.core.models import OutboundMessage, OutboundStatus, WorkerHeartbeat
from goodwill.core.worker import Job, Worker

pytestmark = pytest.mark.django_db

CALLS: list[dt.datetime] = []


def noop_job(now: dt.datetime) -> int:
    CALLS.append(now)
    return 0


NOOP = Job("noop", f"{__name__}.noop_job", dt.timedelta(minutes=1), "nothing")


@pytest.fixture
def healthz(settings):
    settings.GOODWILL_HEALTH_WORKER_MAX_AGE = 300
    # Production-like: a host the test client does not send, and HTTPS redirects on. A monitor
    # probing the app server by its address must still get an answer, not a 400 or a 301.
    settings.ALLOWED_HOSTS = ["desk.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    client = django.test.Client()

    def get(query: str = ""):
        response = client.get("/healthz" + query, HTTP_HOST="10.0.0.7:8000")
        return response, json.loads(response.content)

    return get


def _beat(age: dt.timedelta, worker: str = "app1:4242") -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker=worker, started_at=now - age, beat_at=now - age)


def _outbound(status: str, n: int) -> None:
    now = timezone.now()
    for i in range(n):
        OutboundMessage.objects.create(
            kind="test",
            message_id=f"{status}-{i}@goodwill.test",
            from_email="desk@goodwill.test",
            to=["someone@client.test"],
            subject="Secret subject line",
            text_body="the body, never in /healthz",
            status=status,
            next_attempt_at=now,
            created_at=now,
        )


def test_healthy_with_a_recent_heartbeat_and_reports_the_backlog(healthz):
    from goodwill.mail.models import InboundMail, Mailbox

    _beat(dt.timedelta(seconds=20))
    _beat(dt.timedelta(days=2), worker="old:1")  # a worker gone long ago does not count
    _outbound(OutboundStatus.QUEUED, 3)
    _outbound(OutboundStatus.FAILED, 2)
    _outbound(OutboundStatus.SENT, 4)
    box = Mailbox.objects.create(name="Support", kind="manual")
    for i, status in enumerate(["quarantined", "quarantined", "ticket"]):
        InboundMail.objects.create(
            mailbox=box, dedupe_key=f"k{i}", sha256="0" * 64, raw_path="x", size=1, status=status
        )

    response, body = healthz()

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    worker = body["checks"]["worker"]
    assert worker["ok"] is True and worker["alive"] == 1
    assert 20 <= worker["age_seconds"] < 60
    assert body["checks"]["outbox"] == {"queued": 3, "sending": 0, "failed": 2}
    assert body["checks"]["mail"] == {"quarantined": 2}
    # No worker names (host names), subjects or bodies.
    text = response.content.decode()
    assert "app1" not in text and "Secret subject" not in text and "body" not in text


def test_a_stale_heartbeat_is_503(healthz):
    _beat(dt.timedelta(minutes=6))
    response, body = healthz()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["age_seconds"] >= 360
    assert body["checks"]["database"]["ok"] is True


def test_no_worker_ever_is_503(healthz):
    response, body = healthz()
    assert response.status_code == 503
    assert body["checks"]["worker"] == {
        "ok": False,
        "last_beat": None,
        "age_seconds": None,
        "max_age_seconds": 300,
        "alive": 0,
    }


def test_the_threshold_is_configurable_and_zero_turns_the_worker_check_off(healthz, settings):
    _beat(dt.timedelta(minutes=6))
    settings.GOODWILL_HEALTH_WORKER_MAX_AGE = 600
    assert healthz()[0].status_code == 200
    WorkerHeartbeat.objects.all().delete()
    settings.GOODWILL_HEALTH_WORKER_MAX_AGE = 0
    response, body = healthz()
    assert response.status_code == 200
    assert body["checks"]["worker"] == {"ok": True, "checked": False}


def test_web_scope_ignores_the_worker(healthz):
    """What a load balancer asks: a stopped worker must not take the app servers out."""
    response, body = healthz("?scope=web")
    assert response.status_code == 200
    assert set(body["checks"]) == {"database"}


def test_database_down_is_503(healthz, monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    # What a dead database server does to the first query of a request.
    monkeypatch.setattr(connection, "cursor", refused)
    response, body = healthz()
    assert response.status_code == 503
    assert body == {
        "status": "fail",
        "checks": {"database": {"ok": False, "error": "OperationalError"}},
    }
    assert "5432" not in response.content.decode()  # the error text stays in the log


def test_the_worker_beats_each_tick_and_healthz_sees_it(healthz):
    assert healthz()[0].status_code == 503
    worker = Worker([NOOP], report=lambda line: None)
    worker.tick()
    beat = WorkerHeartbeat.objects.get(worker=worker.name)
    assert timezone.now() - beat.beat_at < dt.timedelta(seconds=5)
    response, body = healthz()
    assert response.status_code == 200 and body["checks"]["worker"]["alive"] == 1


def test_heartbeats_are_throttled_and_one_row_per_worker(monkeypatch):
    worker = Worker([NOOP], report=lambda line: None)
    worker.tick()
    first = WorkerHeartbeat.objects.get(worker=worker.name).beat_at
    worker.tick()  # within 30 s: no write
    assert WorkerHeartbeat.objects.get(worker=worker.name).beat_at == first
    worker._last_beat -= 31
    worker.run_once()
    assert WorkerHeartbeat.objects.count() == 1
    assert WorkerHeartbeat.objects.get(worker=worker.name).beat_at > first


def test_healthz_answers_get_and_head_only(healthz, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    assert django.test.Client().head("/healthz").status_code == 503  # no worker here
    assert django.test.Client().post("/healthz").status_code in (403, 404)  # not the health check
