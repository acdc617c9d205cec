"""The background worker: a loop that runs due jobs, the healthchecks way (no broker to install).

A job is a plain function `job(now) -> int` that does whatever has fallen due by `now` and
returns how many things it did. Jobs are listed in JOBS with how often they run; the worker
keeps the next run time of each in memory, so a fresh worker runs every job at once and then
each on its own interval.

Jobs are named by dotted path and imported when they run: `core` sits below every other app
(core ← clients ← contracts ← desk), so it must not import them when this module loads.

Every job selects its work by due time (so a stopped worker catches up when it starts again)
and claims it in the database (a conditional UPDATE or a unique key), so any number of workers
may run side by side. A job that raises is logged with its traceback and retried on the next
tick; it never stops the loop or the other jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.module_loading import import_string

from goodwill.core import health

logger = logging.getLogger("goodwill.worker")
# Seconds between two heartbeat writes (/healthz allows GOODWILL_HEALTH_WORKER_MAX_AGE).
HEARTBEAT_EVERY = 30.0


@dataclass(frozen=True)
class Job:
    name: str
    path: str  # dotted path of `job(now) -> int`
    every: dt.timedelta
    counts: str  # what the returned number counts, for the log line
    takes_date: bool = False  # the function wants today's local date rather than `now`

    def __call__(self, now: dt.datetime) -> int:
        function: Callable[[Any], int] = import_string(self.path)
        return int(function(timezone.localdate(now) if self.takes_date else now) or 0)


MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

JOBS: tuple[Job, ...] = (
    Job(
        "recurring-tickets",
        "goodwill.desk.recurring.create_due_recurring_tickets",
        MINUTE,
        "maintenance tickets opened",
    ),
    # After the recurring job, so the tickets it opens late are swept in the same tick.
    Job("sla-sweep", "goodwill.desk.services.sweep_sla", MINUTE, "SLA events recorded"),
    Job(
        "contract-renewals",
        "goodwill.contracts.services.roll_over_auto_renewals",
        HOUR,
        "contracts renewed",
        takes_date=True,
    ),
    Job("invoicing", "goodwill.billing.run.run_invoicing", DAY, "invoice drafts", takes_date=True),
    # Before the outbox, so reminders queued this tick go out in the same tick.
    Job("payment-reminders", "goodwill.billing.reminders.send_due_reminders", HOUR, "reminders"),
    Job("mail-poll", "goodwill.mail.imap.poll_all", MINUTE, "e-mails fetched"),
    Job("mail-unprocessed", "goodwill.mail.intake.finish_stale", MINUTE, "e-mails processed"),
    Job("outbox", "goodwill.core.outbox.deliver_due", MINUTE, "e-mails sent"),
    Job("webhooks", "goodwill.api.webhooks.run_due", MINUTE, "webhooks delivered"),
    Job("service-reports", "goodwill.portal.report.send_monthly_reports", HOUR, "reports sent"),
    Job("planner-statistics", "goodwill.core.worker.refresh_planner_statistics", DAY, "databases"),
    # Happiness (issue 5): silence past the cadence, decayed scores, next actions, digest.
    Job("happiness-silence", "goodwill.happiness.playbook.record_silences", DAY, "silences"),
    Job("happiness-scores", "goodwill.happiness.playbook.recompute_daily", DAY, "people scored"),
    Job("happiness-actions", "goodwill.happiness.playbook.generate", HOUR, "next actions added"),
    Job("happiness-digest", "goodwill.happiness.playbook.send_digests", DAY, "digests queued"),
    Job("nps-surveys", "goodwill.happiness.surveys.send_relationship_surveys", DAY, "surveys"),
)


def refresh_planner_statistics(now: dt.datetime) -> int:
    """Keep SQLite's planner statistics fresh so it keeps choosing the queue's partial indexes.

    Without statistics SQLite reads the open tickets through another index and sorts them
    (150 ms instead of under 1 at a million tickets). PostgreSQL's autovacuum does this itself.
    """
    from django.db import connection

    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA optimize")
    return 1


def job_named(name: str, jobs: Iterable[Job] = JOBS) -> Job:
    for job in jobs:
        if job.name == name:
            return job
    raise KeyError(name)


def _drop_stale_connections() -> None:
    """A long-lived process: drop connections that broke or outlived CONN_MAX_AGE, as Django
    does around each request. Never inside a transaction (a test, or a caller's atomic block),
    where closing would doom it."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


@dataclass(frozen=True)
class JobRun:
    job: Job
    started_at: dt.datetime
    seconds: float
    count: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def __str__(self) -> str:
        took = f"{self.seconds:.2f} s"
        if self.error:
            return f"{self.job.name}: failed after {took}, retrying on the next tick: {self.error}"
        return f"{self.job.name}: {self.count} {self.job.counts} in {took}"


class Worker:
    """Runs the due jobs of `jobs` on every tick until `stop()` is called.

    `clock` and `report` are there for tests: the time jobs are given, and where the one-line
    summary of each run goes (the log by default).
    """

    def __init__(
        self,
        jobs: Iterable[Job] = JOBS,
        *,
        clock: Callable[[], dt.datetime] = timezone.now,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.jobs = tuple(jobs)
        self.clock = clock
        self.report = report or logger.info
        self.next_run: dict[str, dt.datetime] = {}
        self._stop = threading.Event()
        self.name = health.this_worker_name()
        self.started_at = timezone.now()
        self._last_beat = -HEARTBEAT_EVERY  # monotonic seconds; the first beat is at once

    # --- Heartbeat: /healthz reports a worker that has stopped beating. -------------------

    def beat(self) -> None:
        """Record that this worker is alive (wall time, not `clock`), at most every 30 s."""
        if time.monotonic() - self._last_beat < HEARTBEAT_EVERY:
            return
        try:
            health.record_heartbeat(self.name, timezone.now(), started_at=self.started_at)
        except DatabaseError:  # the jobs report the outage; the beat just tries again
            logger.warning("Could not record the worker heartbeat", exc_info=True)
        else:
            self._last_beat = time.monotonic()

    # --- Stopping: from a signal handler, so it only sets a flag. -------------------------

    def stop(self, *_: object) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # --- Running ---------------------------------------------------------------------------

    def run_job(self, job: Job) -> JobRun:
        """Run one job now. A failure is logged and leaves the job due, so the next tick retries."""
        now = self.clock()
        started = time.monotonic()
        _drop_stale_connections()
        try:
            count = job(now)
        except Exception as exc:  # a failing job must never take the loop down
            logger.exception("Job %s failed", job.name)
            run = JobRun(job, now, time.monotonic() - started, error=f"{type(exc).__name__}: {exc}")
        else:
            self.next_run[job.name] = now + job.every
            run = JobRun(job, now, time.monotonic() - started, count=count)
        finally:
            _drop_stale_connections()
        self.report(str(run))
        self.beat()  # a long tick keeps beating between its jobs
        return run

    def tick(self) -> list[JobRun]:
        """Run every job whose time has come, one after the other, unless asked to stop."""
        self.beat()
        runs = []
        for job in self.jobs:
            if self.stopping:
                break
            due = self.next_run.get(job.name)
            if due is None or due <= self.clock():
                runs.append(self.run_job(job))
        return runs

    def run_once(self) -> list[JobRun]:
        """Run every job once, whatever its interval (for cron and tests)."""
        self.beat()
        runs = []
        for job in self.jobs:
            if self.stopping:
                break
            runs.append(self.run_job(job))
        return runs

    def run_forever(self, interval: float) -> None:
        """Tick every `interval` seconds until stopped; a stop during a job ends after it."""
        while not self.stopping:
            self.tick()
            self._stop.wait(interval)
