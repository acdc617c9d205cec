"""What the HTTP benchmarks share: a free loopback port and waiting for `goodwill serve`."""

from __future__ import annotations

import socket
import subprocess
import time

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_for(port: int, server: subprocess.Popen[bytes], seconds: float = 300) -> None:
    """Until gunicorn listens (`goodwill serve` runs collectstatic first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("goodwill serve exited; see its log")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"goodwill serve did not listen on {HOST}:{port} in {seconds:.0f} s")
