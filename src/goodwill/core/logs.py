"""Log output for production: one JSON object per line, with secrets and message bodies removed.

`GOODWILL_LOG_FORMAT=json` switches the console handler to `JsonFormatter`; `RedactSecrets`
runs in both formats. It looks at two places a secret can hide in a record:

- extra fields (`logger.info("sent", extra={"token": …})`): a field whose name contains a
  sensitive word is replaced, recursively inside dicts and lists;
- the message itself, once formatted: `password=…`, `token: …`, `Authorization: Bearer …` keep
  their name and lose their value.

Bodies (`body`, `html`, `text`) are redacted too: they are clients' e-mails, never log material.
This module must not import Django: gunicorn's master process loads it before any app.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REDACTED = "[redacted]"

# A key is sensitive when one of these appears anywhere in it ("db_password", "api_token",
# "X-Authorization")…
SENSITIVE_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "sessionid",
    "api_key",
    "apikey",
)
# …or is one of these words of it ("body", "text_body", "html"), so "context" is not "text".
SENSITIVE_KEY_WORDS = frozenset({"body", "html", "text", "textbody", "htmlbody"})

# `password=hunter2`, `token: abc`, `"secret": "x"`, `Authorization: Bearer abc.def`
_SECRET_IN_TEXT = re.compile(
    r"""(?ix)
    (?P<key>["']?\b[\w-]*(?:password|passwd|secret|token|api[_-]?key|authorization)[\w-]*["']?)
    (?P<sep>\s*[:=]\s*)
    (?P<value>(?:bearer\s+|basic\s+)?["']?[^\s"',;&]+["']?)
    """
)

# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {
    "message",
    "asctime",
    "taskName",
}


def is_sensitive(key: str) -> bool:
    lowered = key.lower()
    if any(part in lowered for part in SENSITIVE_KEY_PARTS):
        return True
    return any(word in SENSITIVE_KEY_WORDS for word in re.split(r"[^a-z0-9]+", lowered))


def redact_value(value: Any) -> Any:
    """Redact sensitive keys inside dicts and lists (headers, payloads), leave the rest."""
    if isinstance(value, dict):
        return {
            key: REDACTED if is_sensitive(str(key)) else redact_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    return _SECRET_IN_TEXT.sub(lambda m: f"{m['key']}{m['sep']}{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Strip secrets from a record before any handler formats it; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw template, still redacted
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        for key, value in list(vars(record).items()):
            if key in _STANDARD_ATTRIBUTES:
                continue
            setattr(record, key, REDACTED if is_sensitive(key) else redact_value(value))
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger with Goodwill's field names: time, level, logger, message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("timestamp", False)
        super().__init__(*args, **kwargs)


def logging_config(log_format: str = "text", level: str = "INFO") -> dict[str, Any]:
    """The dictConfig for Django (settings.LOGGING) and, under `goodwill serve`, gunicorn."""
    if log_format not in ("text", "json"):
        raise ValueError(f"GOODWILL_LOG_FORMAT must be 'text' or 'json', not {log_format!r}")
    formatter: dict[str, Any] = (
        {"()": "goodwill.core.logs.JsonFormatter"}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "goodwill.core.logs.RedactSecrets"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
        },
    }
