"""Settings read from the environment: the helpers fail loudly, production passes Django's
deploy checklist, and a broken DATABASE_URL stops start-up with a message that names it."""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import goodwill.settings
from goodwill.core.env import env_bool, env_int, env_list, env_str

SETTINGS_FILE = Path(goodwill.settings.__file__)

# Everything settings.py reads that could leak in from the developer's or CI's shell.
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DEBUG",
    "GOODWILL_HTTPS",
    "GOODWILL_REQUIRE_SECRET_KEY",
    "GOODWILL_MANIFEST_STATIC",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SILENCED_SYSTEM_CHECKS",
    "REDIS_URL",
    "EMAIL_HOST",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_BACKEND",
    "GOODWILL_LOG_FORMAT",
    "GOODWILL_CSP_REPORT_ONLY",
    "GOODWILL_PORTAL_LOGO_URL",
    "GOODWILL_HEALTH_WORKER_MAX_AGE",
)


# --- env helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", "on", " True "])
def test_env_bool_true(monkeypatch, raw):
    monkeypatch.setenv("GW_FLAG", raw)
    assert env_bool("GW_FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "off"])
def test_env_bool_false(monkeypatch, raw):
    monkeypatch.setenv("GW_FLAG", raw)
    assert env_bool("GW_FLAG", True) is False


@pytest.mark.parametrize("raw", [None, ""])
def test_env_bool_unset_or_empty_gives_default(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("GW_FLAG", raising=False)
    else:
        monkeypatch.setenv("GW_FLAG", raw)
    assert env_bool("GW_FLAG", True) is True
    assert env_bool("GW_FLAG", False) is False


@pytest.mark.parametrize("raw", ["ture", "2", "enabled", "y"])
def test_env_bool_rejects_anything_else_and_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("GW_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match=r"GW_FLAG=") as excinfo:
        env_bool("GW_FLAG", False)
    assert repr(raw) in str(excinfo.value)


def test_env_int(monkeypatch):
    monkeypatch.setenv("GW_NUMBER", "587")
    assert env_int("GW_NUMBER", 25) == 587
    monkeypatch.setenv("GW_NUMBER", "")
    assert env_int("GW_NUMBER", 25) == 25
    monkeypatch.delenv("GW_NUMBER")
    assert env_int("GW_NUMBER", 25) == 25


@pytest.mark.parametrize("raw", ["twenty", "2.5", "1e3", "25 minutes"])
def test_env_int_rejects_non_integers(monkeypatch, raw):
    monkeypatch.setenv("GW_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match=r"GW_NUMBER=.*whole number"):
        env_int("GW_NUMBER", 25)


def test_env_list(monkeypatch):
    monkeypatch.setenv("GW_LIST", " a.example , b.example,,")
    assert env_list("GW_LIST") == ["a.example", "b.example"]
    monkeypatch.setenv("GW_LIST", "  ")
    assert env_list("GW_LIST", ["x"]) == ["x"]
    monkeypatch.delenv("GW_LIST")
    assert env_list("GW_LIST") == []


def test_env_list_default_is_not_shared(monkeypatch):
    monkeypatch.delenv("GW_LIST", raising=False)
    default = ["x"]
    env_list("GW_LIST", default).append("y")
    assert default == ["x"]


def test_env_str_reads_file_secret_and_strips_it(monkeypatch, tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("s3cret-from-a-docker-secret\n")
    monkeypatch.setenv("GW_SECRET", "from-the-plain-variable")
    monkeypatch.setenv("GW_SECRET_FILE", str(secret))
    # The _FILE variant wins: that is how Docker and systemd hand over secrets.
    assert env_str("GW_SECRET") == "s3cret-from-a-docker-secret"


def test_env_str_plain_and_default(monkeypatch):
    monkeypatch.delenv("GW_SECRET_FILE", raising=False)
    monkeypatch.setenv("GW_SECRET", "plain")
    assert env_str("GW_SECRET") == "plain"
    monkeypatch.delenv("GW_SECRET")
    assert env_str("GW_SECRET", "fallback") == "fallback"


def test_env_str_unreadable_file_secret_fails_loudly(monkeypatch, tmp_path):
    missing = tmp_path / "nope"
    monkeypatch.setenv("GW_SECRET_FILE", str(missing))
    with pytest.raises(ImproperlyConfigured, match=r"GW_SECRET_FILE=.*cannot be read"):
        env_str("GW_SECRET")


# --- settings.py, evaluated afresh with a given environment --------------------------------------


def _load_settings(monkeypatch, tmp_path, **env: str) -> dict:
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    monkeypatch.setenv("GOODWILL_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_defaults_are_sqlite_under_the_data_dir(monkeypatch, tmp_path):
    ns = _load_settings(monkeypatch, tmp_path)
    db = ns["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(db["NAME"]) == tmp_path.resolve() / "goodwill.sqlite3"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert ns["DEBUG"] is False
    assert ns["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert ns["SESSION_COOKIE_SECURE"] is False


def test_postgres_and_redis_urls(monkeypatch, tmp_path):
    ns = _load_settings(
        monkeypatch,
        tmp_path,
        DATABASE_URL="postgres://goodwill:pw@db.internal:5433/goodwill",
        REDIS_URL="redis://cache.internal:6379/2",
    )
    db = ns["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "db.internal",
        5433,
        "goodwill",
        "goodwill",
    )
    assert ns["CACHES"]["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert ns["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/2"


@pytest.mark.parametrize(
    "url", ["nonsense://x", "not a url", "postgres://u@db.internal:notaport/goodwill"]
)
def test_bad_database_url_is_a_clear_error(monkeypatch, tmp_path, url):
    with pytest.raises(ImproperlyConfigured, match=r"^DATABASE_URL is not a database URL"):
        _load_settings(monkeypatch, tmp_path, DATABASE_URL=url)


def test_database_url_from_a_file_secret(monkeypatch, tmp_path):
    secret = tmp_path / "database_url"
    secret.write_text("postgres://goodwill@db.internal/goodwill\n")
    ns = _load_settings(monkeypatch, tmp_path, DATABASE_URL_FILE=str(secret))
    assert ns["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_bad_boolean_in_settings_stops_start_up(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe'"):
        _load_settings(monkeypatch, tmp_path, DEBUG="maybe")


def test_tls_and_ssl_together_are_refused(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_USE_TLS and EMAIL_USE_SSL"):
        _load_settings(monkeypatch, tmp_path, EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")


def test_smtp_backend_when_a_mail_host_is_set(monkeypatch, tmp_path):
    ns = _load_settings(monkeypatch, tmp_path)
    assert ns["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    ns = _load_settings(monkeypatch, tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_PORT="587")
    assert ns["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert ns["EMAIL_PORT"] == 587


def test_https_turns_on_secure_cookies_hsts_and_redirect(monkeypatch, tmp_path):
    ns = _load_settings(monkeypatch, tmp_path, GOODWILL_HTTPS="true")
    assert ns["SESSION_COOKIE_SECURE"] and ns["CSRF_COOKIE_SECURE"]
    assert ns["SECURE_SSL_REDIRECT"] is True
    assert ns["SECURE_HSTS_SECONDS"] == 31536000
    assert ns["SECURE_HSTS_PRELOAD"] is False


def test_content_security_policy_and_its_report_only_switch(monkeypatch, tmp_path):
    from csp.constants import NONCE

    ns = _load_settings(monkeypatch, tmp_path)
    directives = ns["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'", NONCE]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "CONTENT_SECURITY_POLICY_REPORT_ONLY" not in ns
    ns = _load_settings(
        monkeypatch,
        tmp_path,
        GOODWILL_CSP_REPORT_ONLY="true",
        GOODWILL_PORTAL_LOGO_URL="https://cdn.example.com/logo.png",
    )
    assert ns["CONTENT_SECURITY_POLICY"] == {}
    report_only = ns["CONTENT_SECURITY_POLICY_REPORT_ONLY"]["DIRECTIVES"]
    assert report_only["img-src"] == ["'self'", "data:", "https://cdn.example.com"]


def test_manifest_static_only_when_asked(monkeypatch, tmp_path):
    ns = _load_settings(monkeypatch, tmp_path)
    assert ns["STORAGES"]["staticfiles"]["BACKEND"].startswith("django.contrib.staticfiles.")
    assert ns["WHITENOISE_USE_FINDERS"] is True
    ns = _load_settings(monkeypatch, tmp_path, GOODWILL_MANIFEST_STATIC="true")
    assert ns["STORAGES"]["staticfiles"]["BACKEND"] == "goodwill.core.storage.StaticFilesStorage"
    assert ns["WHITENOISE_USE_FINDERS"] is False


def test_log_format(monkeypatch, tmp_path):
    ns = _load_settings(monkeypatch, tmp_path, GOODWILL_LOG_FORMAT="json")
    assert ns["LOGGING"]["formatters"]["default"] == {"()": "goodwill.core.logs.JsonFormatter"}
    assert ns["LOGGING"]["handlers"]["console"]["filters"] == ["redact"]
    with pytest.raises(ImproperlyConfigured, match="GOODWILL_LOG_FORMAT='xml'"):
        _load_settings(monkeypatch, tmp_path, GOODWILL_LOG_FORMAT="xml")


def test_required_secret_key(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set"):
        _load_settings(monkeypatch, tmp_path, GOODWILL_REQUIRE_SECRET_KEY="true")
    ns = _load_settings(
        monkeypatch, tmp_path, GOODWILL_REQUIRE_SECRET_KEY="true", SECRET_KEY="x" * 60
    )
    assert ns["SECRET_KEY"] == "x" * 60


# --- the real command line -----------------------------------------------------------------------


def _clean_env(tmp_path: Path, **env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean["GOODWILL_DATA_DIR"] = str(tmp_path / "data")
    clean.update(env)
    return clean


def _goodwill(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "goodwill", *args],
        cwd=tmp_path,
        env=_clean_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_checklist(tmp_path):
    result = _goodwill(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="goodwill.example.com",
        CSRF_TRUSTED_ORIGINS="https://goodwill.example.com",
        DEBUG="false",
        GOODWILL_HTTPS="true",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_defaults_fail_the_deploy_checklist(tmp_path):
    # The counterpart: proves the check above can fail, and that HTTPS is what turns it green.
    result = _goodwill(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for check_id in ("security.W004", "security.W008", "security.W009", "security.W012"):
        assert check_id in output


def test_bad_database_url_on_the_command_line_names_the_variable(tmp_path):
    result = _goodwill(tmp_path, "check", DATABASE_URL="nonsense://db.internal/goodwill")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL is not a database URL" in result.stderr


def test_bad_boolean_on_the_command_line_names_the_variable(tmp_path):
    result = _goodwill(tmp_path, "check", GOODWILL_HTTPS="sure")
    assert result.returncode != 0
    assert "GOODWILL_HTTPS='sure'" in result.stderr
