"""Logs: GOODWILL_LOG_FORMAT=json gives one JSON object per line, and no password, token or
message body gets out, whether it comes as an extra field or inside the message text."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import subprocess
import sys

import pytest

from goodwill.core.logs import REDACTED, JsonFormatter, RedactSecrets, logging_config, redact_text


@pytest.fixture
def json_log():
    """A logger with the handler settings.LOGGING builds under GOODWILL_LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger("goodwill.test.logs")
    old = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.DEBUG
    try:
        yield logger, stream
    finally:
        logger.handlers, logger.propagate, logger.level = old


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_is_one_json_line_with_time_level_logger_message(json_log):
    logger, stream = json_log
    logger.info("Sent %d e-mails", 3, extra={"job": "outbox", "context": "ticket:GW-10432"})
    (line,) = _lines(stream)
    assert line["message"] == "Sent 3 e-mails"
    assert line["level"] == "INFO"
    assert line["logger"] == "goodwill.test.logs"
    assert line["time"]
    # Ordinary extra fields pass through; "context" is not mistaken for "text".
    assert line["job"] == "outbox" and line["context"] == "ticket:GW-10432"


def test_secret_and_body_extras_are_redacted(json_log):
    logger, stream = json_log
    logger.warning(
        "SMTP login failed",
        extra={
            "password": "hunter2",
            "api_token": "gw_live_abc123",
            "client_secret": "s3cr3t",
            "authorization": "Bearer eyJhbGciOi",
            "body": "Dear Bob, the payroll file is attached",
            "html": "<p>Dear Bob</p>",
            "text": "Dear Bob",
            "text_body": "Dear Bob",
            "headers": {"Authorization": "Basic Ym9iOnB3", "X-Mailer": "Goodwill"},
            "attempts": 3,
        },
    )
    raw = stream.getvalue()
    (line,) = _lines(stream)
    for key in ("password", "api_token", "client_secret", "authorization", "body", "html"):
        assert line[key] == REDACTED, key
    assert line["text"] == REDACTED and line["text_body"] == REDACTED
    assert line["headers"] == {"Authorization": REDACTED, "X-Mailer": "Goodwill"}
    assert line["attempts"] == 3
    for secret in ("hunter2", "gw_live_abc123", "s3cr3t", "eyJhbGciOi", "payroll", "Ym9iOnB3"):
        assert secret not in raw


def test_secrets_inside_the_formatted_message_are_redacted(json_log):
    logger, stream = json_log
    logger.error(
        "IMAP login for %s failed: password=%s token: %s",
        "desk@example.com",
        "hunter2",
        "abc.def",
    )
    logger.error("Webhook answered 401 to Authorization: Bearer eyJzdWIi.x.y")
    logger.error('Config was {"secret": "s3cr3t", "host": "smtp.example.com"}')
    raw = stream.getvalue()
    first, second, third = _lines(stream)
    assert first["message"] == (
        f"IMAP login for desk@example.com failed: password={REDACTED} token: {REDACTED}"
    )
    assert second["message"] == f"Webhook answered 401 to Authorization: {REDACTED}"
    assert "smtp.example.com" in third["message"]
    for secret in ("hunter2", "abc.def", "eyJzdWIi", "s3cr3t"):
        assert secret not in raw


def test_exceptions_keep_their_traceback(json_log):
    logger, stream = json_log
    try:
        raise RuntimeError("the mail server is down")
    except RuntimeError:
        logger.exception("Job outbox failed")
    (line,) = _lines(stream)
    assert line["message"] == "Job outbox failed"
    assert "RuntimeError: the mail server is down" in line["exc_info"]


def test_redact_text_leaves_ordinary_words_alone():
    text = "Ticket GW-10432: password reset requested by maria@acme.test"
    assert redact_text(text) == text


def test_text_format_redacts_too(capsys):
    config = logging_config("text", "INFO")
    config["handlers"]["console"]["stream"] = "ext://sys.stdout"
    logger = logging.getLogger("goodwill.test.text")
    try:
        logging.config.dictConfig(config)
        logger.info("connecting with password=hunter2", extra={"token": "abc"})
    finally:
        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
    out = capsys.readouterr().out
    assert f"password={REDACTED}" in out and "hunter2" not in out


def test_bad_log_format_stops_start_up():
    with pytest.raises(ValueError, match="GOODWILL_LOG_FORMAT"):
        logging_config("xml")


def test_the_real_command_logs_json_when_asked(tmp_path):
    """Through settings.py, as `goodwill worker` or `goodwill serve` would."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(GOODWILL_LOG_FORMAT="json", GOODWILL_DATA_DIR=str(tmp_path))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code = (
        "import logging, goodwill.cli, django; "
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'goodwill.settings'); "
        "django.setup(); "
        "logging.getLogger('goodwill.mail').warning('login password=%s', 'hunter2', "
        "extra={'body': 'Dear Bob'})"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", code],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (line,) = [json.loads(x) for x in result.stderr.splitlines() if x.startswith("{")]
    assert line["message"] == f"login password={REDACTED}"
    assert line["body"] == REDACTED and line["logger"] == "goodwill.mail"
    assert "hunter2" not in result.stderr and "Dear Bob" not in result.stderr


@pytest.mark.django_db
def test_the_worker_reports_through_the_log_under_json(settings, caplog, capsys):
    from django.core.management import call_command

    settings.GOODWILL_LOG_FORMAT = "json"
    with caplog.at_level(logging.INFO, logger="goodwill.worker"):
        call_command("worker", once=True, job=["planner-statistics"])
    lines = [r.getMessage() for r in caplog.records if r.name == "goodwill.worker"]
    assert any(line.startswith("planner-statistics: ") for line in lines), lines
    assert "planner-statistics" not in capsys.readouterr().out  # not the plain-text line
