"""`goodwill serve`: the production server. Collects the static files, then becomes gunicorn.

Read from the environment (see docs/deployment.md):

- HOST, PORT (127.0.0.1:8000) or `--bind`;
- WEB_CONCURRENCY worker processes (2) × GUNICORN_THREADS threads each (1; more than one
  switches gunicorn to its threaded worker);
- GUNICORN_TIMEOUT (60 s): a request running longer is killed and its worker restarted;
- GUNICORN_GRACEFUL_TIMEOUT (30 s): on SIGTERM or SIGHUP, how long requests in flight may
  finish before their worker is killed;
- GUNICORN_KEEPALIVE (5 s), GUNICORN_MAX_REQUESTS (1000, a worker is recycled after that many
  requests, ±10 %, so a slow leak never grows without bound; 0 turns it off);
- FORWARDED_ALLOW_IPS (127.0.0.1,::1): the proxies whose X-Forwarded-Proto gunicorn trusts.

Static files: GOODWILL_MANIFEST_STATIC is on under `serve` (unless set to false), so
collectstatic writes hashed, compressed copies to STATIC_ROOT and WhiteNoise serves them with
year-long cache headers. `make run` and the tests skip all that and serve the source folders.
"""

from __future__ import annotations

import os
import signal
import subprocess  # runs our own interpreter with fixed arguments  # nosec B404
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.core.env import env_int, env_str

GUNICORN_CONFIG = "python:goodwill.core.gunicorn_conf"
# Source maps (a third of the bytes) are for debugging, not for serving.
COLLECTSTATIC = [
    sys.executable, "-m", "goodwill", "collectstatic", "--noinput", "-v", "0", "--ignore", "*.map"
]  # fmt: skip


def gunicorn_argv(bind: str) -> list[str]:
    """gunicorn's command line from the environment; a bad number stops with its name."""
    workers = env_int("WEB_CONCURRENCY", 2)
    threads = env_int("GUNICORN_THREADS", 1)
    if workers < 1 or threads < 1:
        raise CommandError("WEB_CONCURRENCY and GUNICORN_THREADS must be at least 1.")
    max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "goodwill.wsgi:application",
        "--config",
        GUNICORN_CONFIG,
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        str(env_int("GUNICORN_TIMEOUT", 60)),
        "--graceful-timeout",
        str(env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)),
        "--keep-alive",
        str(env_int("GUNICORN_KEEPALIVE", 5)),
        "--max-requests",
        str(max_requests),
        "--max-requests-jitter",
        str(max_requests // 10),
        "--forwarded-allow-ips",
        env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
    ]


def _collectstatic() -> int:
    """Run collectstatic in a child process (it must read settings with
    GOODWILL_MANIFEST_STATIC on); a SIGTERM meanwhile stops both, leaving no orphan behind."""
    child = subprocess.Popen(COLLECTSTATIC)  # noqa: S603 (our interpreter, fixed arguments)  # nosec B603
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        return child.wait()
    finally:
        if child.poll() is None:
            child.terminate()
            child.wait()
        signal.signal(signal.SIGTERM, previous)


class Command(BaseCommand):
    help = "Serve Goodwill with gunicorn (production): collectstatic, then gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=None, help="Address to bind (default HOST:PORT).")
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="Skip collectstatic (the files in STATIC_ROOT are already current).",
        )

    def handle(self, *args: object, **options: object) -> None:
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        bind = str(options["bind"] or f"{host}:{port}")
        argv = gunicorn_argv(bind)
        # The gunicorn workers and collectstatic read settings afresh with this set.
        os.environ.setdefault("GOODWILL_MANIFEST_STATIC", "true")
        if not options["no_collectstatic"] and _collectstatic():
            raise CommandError("collectstatic failed; not starting gunicorn.")
        # Replace this process so signals from systemd reach gunicorn directly.
        os.execv(sys.executable, argv)  # noqa: S606 (our interpreter, fixed arguments)  # nosec B606
