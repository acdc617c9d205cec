"""The worker loop: due jobs by interval, failures logged and retried, stopping between jobs."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.core import worker as worker_module
from goodwill.core.worker import JOBS, Job, Worker

# The loop refreshes database connections around each job, so the tests need the database.
pytestmark = pytest.mark.django_db

HERE = __name__  # the fake jobs below are found by dotted path, like the real ones
CALLS: list[tuple[str, object]] = []
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def counting_job(now: dt.datetime) -> int:
    CALLS.append(("counting", now))
    return 3


def failing_job(now: dt.datetime) -> int:
    CALLS.append(("failing", now))
    raise RuntimeError("the mail server is down")


def dated_job(today: dt.date) -> int:
    CALLS.append(("dated", today))
    return 1


WORKERS: list[Worker] = []


def stopping_job(now: dt.datetime) -> int:
    WORKERS[0].stop()  # what the SIGTERM handler does while a job runs
    CALLS.append(("stopping", now))
    return 1


COUNTING = Job("counting", f"{HERE}.counting_job", dt.timedelta(minutes=1), "things counted")
FAILING = Job("failing", f"{HERE}.failing_job", dt.timedelta(minutes=1), "things failed")
DATED = Job("dated", f"{HERE}.dated_job", dt.timedelta(hours=1), "days", takes_date=True)
STOPPING = Job("stopping", f"{HERE}.stopping_job", dt.timedelta(minutes=1), "stops")


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()


class Clock:
    def __init__(self, at: dt.datetime = T0) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


def test_it_registers_the_jobs_by_dotted_path():
    from django.utils.module_loading import import_string

    names = [job.name for job in JOBS]
    assert len(names) == len(set(names))
    # The SLA sweep runs after the recurring job, so late maintenance tickets are swept at once.
    assert names.index("recurring-tickets") < names.index("sla-sweep")
    assert {"contract-renewals", "planner-statistics", "outbox"} <= set(names)
    for job in JOBS:
        assert callable(import_string(job.path))
    # core sits below the apps it runs jobs for: importing it must not import them.
    source = Path(worker_module.__file__).read_text()
    assert "from goodwill.desk" not in source and "import goodwill.desk" not in source


def test_it_runs_every_job_once_and_reports_one_line_each():
    lines: list[str] = []
    runs = Worker([COUNTING, DATED], clock=Clock(), report=lines.append).run_once()
    assert [run.count for run in runs] == [3, 1]
    assert CALLS == [("counting", T0), ("dated", dt.date(2026, 3, 2))]
    assert lines[0].startswith("counting: 3 things counted in ")
    assert lines[1].startswith("dated: 1 days in ")


def test_a_failing_job_is_logged_with_its_traceback_and_the_others_still_run(caplog):
    lines: list[str] = []
    with caplog.at_level(logging.ERROR, logger="goodwill.worker"):
        runs = Worker([FAILING, COUNTING], clock=Clock(), report=lines.append).run_once()
    assert [run.ok for run in runs] == [False, True]
    assert [name for name, _ in CALLS] == ["failing", "counting"]
    record = caplog.records[0]
    assert "Job failing failed" in record.getMessage()
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert "retrying on the next tick: RuntimeError: the mail server is down" in lines[0]


def test_it_runs_each_job_on_its_own_interval_and_retries_a_failure_on_the_next_tick():
    clock = Clock()
    worker = Worker([COUNTING, FAILING, DATED], clock=clock, report=lambda line: None)
    assert len(worker.tick()) == 3  # a fresh worker runs everything at once
    clock.advance(seconds=10)
    assert [run.job.name for run in worker.tick()] == ["failing"]  # retried, the others wait
    clock.advance(seconds=50)
    assert [run.job.name for run in worker.tick()] == ["counting", "failing"]
    clock.advance(hours=1)
    assert [run.job.name for run in worker.tick()] == ["counting", "failing", "dated"]


def test_a_stop_during_a_job_lets_it_finish_and_runs_nothing_after_it():
    worker = Worker([STOPPING, COUNTING], clock=Clock(), report=lambda line: None)
    WORKERS[:] = [worker]
    worker.run_forever(interval=0.01)  # returns: the stop flag ends the loop
    assert CALLS == [("stopping", T0)]


def test_the_command_runs_once_and_fails_when_a_job_failed(monkeypatch):
    from goodwill.core.management.commands import worker as command

    monkeypatch.setattr(command, "JOBS", (COUNTING, FAILING))
    out = StringIO()
    with pytest.raises(CommandError, match="1 job\\(s\\) failed: failing"):
        call_command("worker", "--once", stdout=out)
    assert "counting: 3 things counted" in out.getvalue()

    out = StringIO()
    call_command("worker", "--once", "--job", "counting", stdout=out)
    assert out.getvalue().count("\n") == 1
    assert [name for name, _ in CALLS].count("counting") == 2


def test_the_command_refuses_a_useless_interval():
    with pytest.raises(CommandError, match="positive"):
        call_command("worker", "--interval", "0")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_stops_the_worker_after_the_current_job_with_exit_code_0(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORT")}
    env["GOODWILL_DATA_DIR"] = str(tmp_path)
    goodwill = [sys.executable, "-m", "goodwill"]
    migrate = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [*goodwill, "migrate", "--verbosity", "0"], env=env, capture_output=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr
    process = subprocess.Popen(  # noqa: S603
        [*goodwill, "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(" contract-renewals: " in x for x in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + out
    assert process.returncode == 0, output + err
    assert "worker started" in output
    assert "sla-sweep: 0 SLA events recorded" in output
    assert "recurring-tickets: 0 maintenance tickets opened" in output
    assert output.rstrip().endswith("worker stopped (SIGTERM)")


@pytest.mark.django_db
def test_planner_statistics_are_refreshed_on_sqlite_only():
    from django.db import connection

    from goodwill.core.worker import refresh_planner_statistics

    expected = 1 if connection.vendor == "sqlite" else 0
    assert refresh_planner_statistics(T0) == expected
