"""Guard for CI's PostgreSQL leg: when DATABASE_URL points at PostgreSQL, the suite must really be
talking to PostgreSQL. This does not test Goodwill; it stops a settings slip from quietly turning
the second CI run into a repeat of the SQLite one."""

from __future__ import annotations

import os

import pytest
from django.db import connection

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://"))


@pytest.mark.skipif(not ON_POSTGRES, reason="DATABASE_URL does not point at PostgreSQL")
@pytest.mark.django_db
def test_postgres_leg_really_uses_postgres():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    assert version.startswith("PostgreSQL")


@pytest.mark.skipif(ON_POSTGRES or bool(DATABASE_URL), reason="DATABASE_URL is set")
@pytest.mark.django_db
def test_default_leg_uses_sqlite():
    assert connection.vendor == "sqlite"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_redis_cache_when_redis_url_is_set():
    from django.core.cache import caches

    cache = caches["default"]
    assert type(cache).__module__.startswith("django_redis")
    cache.set("goodwill-ci-probe", "ok", timeout=30)
    assert cache.get("goodwill-ci-probe") == "ok"
    cache.delete("goodwill-ci-probe")
