"""`goodwill serve`: the production server (gunicorn), honouring PORT, HOST and WEB_CONCURRENCY."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Goodwill with gunicorn (production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=None, help="Address to bind (default HOST:PORT).")

    def handle(self, *args: object, **options: object) -> None:
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        bind = options["bind"] or f"{host}:{port}"
        workers = os.environ.get("WEB_CONCURRENCY", "2")
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "goodwill.wsgi:application",
            "--bind",
            bind,
            "--workers",
            workers,
            "--access-logfile",
            "-",
        ]
        # Replace this process so signals from systemd reach gunicorn directly.
        os.execv(sys.executable, argv)  # noqa: S606
