"""`goodwill worker`: run the background jobs (SLA sweep, recurring tickets, renewals) on a loop.

Start one next to `goodwill serve` (systemd, a container, a second terminal); run as many as
you like, the jobs claim their work in the database. `--once` runs every job once and exits,
for cron and tests; `--rounds N` runs them N times over, so a backlog bigger than one batch
(after downtime, say) drains in one go. SIGTERM or Ctrl-C stops it after the job in hand; a
second Ctrl-C quits at once.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from goodwill.core.worker import JOBS, Worker, job_named

logger = logging.getLogger("goodwill.worker")


class Command(BaseCommand):
    help = "Run the background jobs: SLA sweep, recurring tickets, contract renewals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run every job once and exit (for cron and tests)."
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=0,
            metavar="N",
            help="Run every job N times over and exit; --once is --rounds 1.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=10.0,
            help="Seconds between ticks; each job still runs at most as often as its own "
            "interval (default 10).",
        )
        parser.add_argument(
            "--job",
            action="append",
            choices=[job.name for job in JOBS],
            help="Run only this job (may be repeated).",
        )

    def handle(self, *args: object, **options: Any) -> None:
        if options["interval"] <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        if options["rounds"] < 0:
            raise CommandError("--rounds must be a positive number.")
        rounds = 1 if options["once"] else options["rounds"]
        jobs = [job_named(name, JOBS) for name in options["job"]] if options["job"] else list(JOBS)
        worker = Worker(jobs, report=self._line)
        if rounds:
            runs = [run for _ in range(rounds) for run in worker.run_once()]
            failed = sorted({run.job.name for run in runs if not run.ok})
            if failed:
                raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}.")
            return
        received = self._install_signal_handlers(worker)
        every = ", ".join(f"{job.name} every {_interval(job.every)}" for job in jobs)
        self._line(f"worker started: {every}; Ctrl-C or SIGTERM stops it after the current job")
        worker.run_forever(options["interval"])
        self._line(f"worker stopped ({', '.join(received) or 'asked to'})")

    def _line(self, text: str) -> None:
        if settings.GOODWILL_LOG_FORMAT == "json":  # one JSON object per line, like the rest
            logger.info(text)
            return
        self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {text}")
        self.stdout.flush()

    def _install_signal_handlers(self, worker: Worker) -> list[str]:
        """Stop after the current job on SIGTERM or Ctrl-C; a second one stops at once.

        The handler only sets a flag and notes the signal: writing from a signal handler can
        collide with the write the loop is in the middle of.
        """
        received: list[str] = []

        def graceful(signum: int, frame: FrameType | None) -> None:
            if worker.stopping:  # asked twice: stop now
                raise SystemExit(128 + signum)
            received.append(signal.Signals(signum).name)
            worker.stop()

        signal.signal(signal.SIGTERM, graceful)
        signal.signal(signal.SIGINT, graceful)
        return received


def _interval(every: Any) -> str:
    seconds = int(every.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
