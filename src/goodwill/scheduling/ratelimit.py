"""Per-IP budgets for the public booking pages, counted in the shared cache.

The cache is the default one: local memory on a single server, Redis when REDIS_URL is set, so
several app servers share one count.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded-for header is whatever the bot wants it to be. Behind a
    # proxy, the proxy sets REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def spend(request: HttpRequest, bucket: str, limit: int, seconds: int) -> bool:
    """Count one hit; False once `limit` hits were spent in the current window."""
    if limit <= 0:
        return True
    ip = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    key = f"gw:book:{bucket}:{ip}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= limit
