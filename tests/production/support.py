"""What the production tests share: child `goodwill` processes with their own environment, and
a tiny HTTP server that records every webhook it is sent."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.db import connection

# Never handed to a child: the child gets the database and data directory the test chooses.
LEAKY_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT", "PORT")
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
GOODWILL = [sys.executable, "-m", "goodwill"]


def current_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database), for children
    that must see the rows the test committed."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    env["GOODWILL_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


@dataclass
class Hit:
    path: str
    delivery: str
    event: str
    key: str


@dataclass
class WebhookReceiver:
    """A loopback HTTP server that answers 204 to every POST and keeps what it was sent."""

    hits: list[Hit] = field(default_factory=list)

    port: int = 0

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.hits.append(
                    Hit(
                        self.path,
                        self.headers.get("X-Goodwill-Delivery", ""),
                        self.headers.get("X-Goodwill-Event", ""),
                        json.loads(body).get("id", ""),
                    )
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def deliveries(self) -> Counter[str]:
        return Counter(hit.delivery for hit in self.hits)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SilentServer:
    """Accepts TCP connections and never says a word (a hung or firewalled server)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)  # the kernel completes the handshakes; nobody ever answers
        self.port = self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()
