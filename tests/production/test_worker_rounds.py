"""`goodwill worker --rounds N`: every job N times over, then exit (a backlog drains in one go)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.core.worker import Job

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


def counting_job(now: dt.datetime) -> int:
    CALLS.append("counting")
    return 1


def failing_once_job(now: dt.datetime) -> int:
    CALLS.append("failing")
    if CALLS.count("failing") == 1:
        raise RuntimeError("database is locked")
    return 1


COUNTING = Job("counting", f"{__name__}.counting_job", dt.timedelta(days=1), "things")
FAILING = Job("failing", f"{__name__}.failing_once_job", dt.timedelta(days=1), "things")


@pytest.fixture(autouse=True)
def _jobs(monkeypatch):
    from goodwill.core.management.commands import worker as command

    CALLS.clear()
    monkeypatch.setattr(command, "JOBS", (COUNTING, FAILING))


def test_rounds_runs_every_job_that_many_times_whatever_its_interval():
    out = StringIO()
    call_command("worker", "--rounds", "3", "--job", "counting", stdout=out)
    assert CALLS == ["counting"] * 3
    assert out.getvalue().count("counting: 1 things") == 3


def test_a_job_that_failed_in_one_round_is_retried_in_the_next_and_reported():
    out = StringIO()
    with pytest.raises(CommandError, match="1 job\\(s\\) failed: failing"):
        call_command("worker", "--rounds", "2", stdout=out)
    assert CALLS == ["counting", "failing", "counting", "failing"]
    assert "failing: failed after" in out.getvalue()
    assert "failing: 1 things" in out.getvalue()


def test_rounds_must_not_be_negative():
    with pytest.raises(CommandError, match="--rounds"):
        call_command("worker", "--rounds", "-1")
