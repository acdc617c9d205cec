"""`goodwill serve` for real: gunicorn on a free port answers /healthz and pages with the
security headers, logs JSON lines when asked, and stops cleanly on SIGTERM. Plus the static
storage it turns on: hashed names, compressed copies, no failure on a missing source map."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from goodwill.core.management.commands.serve import gunicorn_argv

# Settings a developer's shell could leak into the server under test.
LEAKY = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "GOODWILL_MANIFEST_STATIC")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http://127.0.0.1 only)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # nosec B310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_serve_runs_gunicorn_with_headers_json_logs_and_a_graceful_stop(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env.update(
        GOODWILL_DATA_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(50),
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        GUNICORN_GRACEFUL_TIMEOUT="5",
        GOODWILL_LOG_FORMAT="json",
    )
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(  # noqa: S603 (our own interpreter)
        [sys.executable, "-m", "goodwill", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, _, body = _get(f"{base}/healthz?scope=web")
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200, Path(log.name).read_text()
        assert json.loads(body)["checks"]["database"] == {"ok": True}

        status, headers, body = _get(f"{base}/login/?next=/&token=abc123secret")
        assert status == 200
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert b"Sign in" in body
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"

        # Static files were collected with hashed names and are served compressed, for good.
        css = re.search(rb'href="(/static/goodwill/goodwill\.[0-9a-f]{12}\.css)"', body)
        assert css, body[:2000]
        status, headers, _ = _get(base + css[1].decode(), **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            returncode = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert returncode == 0, Path(log.name).read_text()

    lines = [
        json.loads(line) for line in Path(log.name).read_text().splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert any("GET /login/" in line["message"] for line in access), lines
    text = Path(log.name).read_text()
    assert "abc123secret" not in text  # ?token= in an access log line is redacted
    assert any("Shutting down" in line["message"] for line in lines)


def test_gunicorn_options_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "120")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "500")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    argv = gunicorn_argv("0.0.0.0:9000")

    def option(name: str) -> str:
        return argv[argv.index(name) + 1]

    assert option("--bind") == "0.0.0.0:9000"
    assert option("--workers") == "4" and option("--threads") == "8"
    assert option("--timeout") == "120" and option("--graceful-timeout") == "30"
    assert option("--max-requests") == "500" and option("--max-requests-jitter") == "50"
    assert option("--forwarded-allow-ips") == "10.0.0.5"
    assert option("--config") == "python:goodwill.core.gunicorn_conf"


def test_a_bad_number_names_the_variable(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("GUNICORN_THREADS", "lots")
    with pytest.raises(ImproperlyConfigured, match="GUNICORN_THREADS"):
        gunicorn_argv("127.0.0.1:8000")


def test_static_storage_hashes_compresses_once_and_ignores_missing_source_maps(tmp_path):
    from django.core.files.base import ContentFile

    from goodwill.core.storage import StaticFilesStorage

    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    storage.save("app/logo.svg", ContentFile(b"<svg xmlns='http://www.w3.org/2000/svg'/>"))
    storage.save(
        "app/site.css",
        ContentFile(
            b"body{background:url(logo.svg)}\n" * 50 + b"/*# sourceMappingURL=site.css.map */"
        ),
    )
    storage.save(
        "app/chart.js", ContentFile(b"var x=1;\n" * 200 + b"//# sourceMappingURL=chart.js.map")
    )
    paths = {name: (storage, name) for name in ("app/logo.svg", "app/site.css", "app/chart.js")}

    results = list(storage.post_process(paths))

    assert not [r for r in results if isinstance(r[2], Exception)], results
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    css = manifest["app/site.css"]
    assert re.fullmatch(r"app/site\.[0-9a-f]{12}\.css", css)
    assert manifest["app/logo.svg"].removeprefix("app/") in (tmp_path / css).read_text()
    assert (tmp_path / (css + ".gz")).is_file()
    gz = tmp_path / (css + ".gz")
    first = gz.stat().st_mtime_ns
    time.sleep(0.05)
    list(StaticFilesStorage(location=tmp_path, base_url="/static/").post_process(paths))
    assert gz.stat().st_mtime_ns == first  # not compressed again
