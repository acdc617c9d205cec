"""The `goodwill` command as `make run` uses it: a fresh data folder is migrated (and seeded with
the demo) by `goodwill run --no-serve`, which then exits without serving."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# Variables that would point the child process somewhere other than the fresh folder.
LEAKY_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "PORT")


def _goodwill(data_dir: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    env["GOODWILL_DATA_DIR"] = str(data_dir)
    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "goodwill", *args],
        cwd=_existing_parent(data_dir),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _existing_parent(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path


def _migrated_apps(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {app for (app,) in db.execute("SELECT DISTINCT app FROM django_migrations")}


def test_run_without_demo_migrates_a_fresh_data_dir_and_exits(tmp_path):
    data_dir = tmp_path / "fresh"
    result = _goodwill(data_dir, "run", "--no-serve", "--no-demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Database ready" in result.stdout
    database = data_dir / "goodwill.sqlite3"
    assert database.exists()
    assert {"accounts", "clients", "contracts", "auth", "sessions"} <= _migrated_apps(database)
    assert not (data_dir / "demo-logins.txt").exists()
    assert "Goodwill is at" not in result.stdout  # --no-serve: it did not start a server
    with sqlite3.connect(database) as db:
        # WAL lets pages read while the worker writes; the mode is stored in the file.
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_run_seeds_the_demo_once_and_writes_the_logins(tmp_path):
    data_dir = tmp_path / "fresh"
    first = _goodwill(data_dir, "run", "--no-serve")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "seeding the demo" in first.stdout
    logins = data_dir / "demo-logins.txt"
    assert logins.exists()
    text = logins.read_text()
    assert text.strip()
    assert text.strip() in first.stdout  # make run prints the logins where people see them

    second = _goodwill(data_dir, "run", "--no-serve")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "seeding the demo" not in second.stdout  # only an empty database is seeded


def test_goodwill_lists_its_own_and_djangos_commands(tmp_path):
    result = _goodwill(tmp_path / "data", "help", timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("run", "serve", "migrate", "createsuperuser", "check"):
        assert f"    {command}\n" in result.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "goodwill"
    assert script.exists(), "pip install -e . should have installed the goodwill console script"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_runs_gunicorn_on_port(tmp_path):
    data_dir = tmp_path / "prod"
    assert _goodwill(data_dir, "run", "--no-serve", "--no-demo").returncode == 0
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    env.update(GOODWILL_DATA_DIR=str(data_dir), PORT=str(port), WEB_CONCURRENCY="1")
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "goodwill", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:  # noqa: S310
                    body = r.read().decode()
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert "Sign in" in body
    finally:
        server.terminate()
        output = server.communicate(timeout=15)[0]
    assert "gunicorn" in output.lower() or "Listening at" in output


def test_any_command_works_on_a_data_dir_that_does_not_exist_yet(tmp_path):
    data_dir = tmp_path / "not-yet" / "data"
    result = _goodwill(data_dir, "migrate", "-v0")  # runs in tmp_path/not-yet
    assert result.returncode == 0, result.stderr
    assert (data_dir / "goodwill.sqlite3").exists()
