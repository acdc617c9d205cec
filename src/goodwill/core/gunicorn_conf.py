"""gunicorn's logging under `goodwill serve` (`-c python:goodwill.core.gunicorn_conf`).

The access and error logs go through the same formatter and redaction filter as the app's
(goodwill.core.logs): JSON lines with GOODWILL_LOG_FORMAT=json, and `?token=…` in a logged URL
becomes `?token=[redacted]`. Everything else is set on gunicorn's command line by serve.py.
gunicorn loads this in its master process, before Django: no Django imports here.
"""

from __future__ import annotations

import os

from goodwill.core.logs import logging_config

_config = logging_config(
    os.environ.get("GOODWILL_LOG_FORMAT", "text").strip().lower() or "text",
    os.environ.get("LOG_LEVEL", "INFO"),
)
_config["loggers"] = {
    name: {"handlers": ["console"], "level": "INFO", "propagate": False}
    for name in ("gunicorn.error", "gunicorn.access")
}
logconfig_dict = _config
