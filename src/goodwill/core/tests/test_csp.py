"""Content-Security-Policy: every page says scripts come from this site or carry this
response's nonce, every <script> tag carries it, no template writes an inline handler, and
views that send their own stricter policy keep it. (The browser side: tests/browser/test_csp.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import goodwill

pytestmark = pytest.mark.django_db

SRC = Path(goodwill.__file__).parent
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
# onclick=, onsubmit=, onchange=…: a CSP without 'unsafe-inline' refuses to run them.
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def _nonce(response) -> str:
    (nonce,) = [
        value[len("'nonce-") : -1]
        for value in _policy(response)["script-src"]
        if value.startswith("'nonce-")
    ]
    return nonce


def _assert_every_script_carries(response, nonce: str) -> int:
    # json_script's <script type="application/json"> is data, never run: it needs no nonce.
    tags = [t for t in SCRIPT_TAG.findall(response.content.decode()) if "application/json" not in t]
    for tag in tags:
        assert f'nonce="{nonce}"' in tag, tag
    return len(tags)


def test_a_staff_page_has_a_nonce_policy_and_its_scripts_carry_the_nonce(as_owner):
    response = as_owner.get(reverse("dashboard"))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert "'self'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    nonce = _nonce(response)
    assert len(nonce) >= 16
    # bootstrap, htmx, goodwill.js, Chart.js and dashboard.js
    assert _assert_every_script_carries(response, nonce) >= 5


def test_each_response_gets_a_fresh_nonce(as_owner):
    first = _nonce(as_owner.get(reverse("dashboard")))
    second = _nonce(as_owner.get(reverse("dashboard")))
    assert first != second


def test_the_ticket_page_scripts_carry_the_nonce(as_tech, cast):
    response = as_tech.get(reverse("desk:ticket", args=[cast.ticket.number]))
    assert response.status_code == 200
    assert _assert_every_script_carries(response, _nonce(response)) >= 4


def test_the_public_booking_page_inline_script_carries_the_nonce(client, cast):
    from goodwill.scheduling.testing import consultation, give_hours

    give_hours(cast.manager)
    kind = consultation(cast.manager)
    response = client.get(reverse("scheduling:public_slots", args=[kind.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    nonce = _nonce(response)
    inline = re.search(r"<script nonce=\"([^\"]+)\">\s*// Pre-select the visitor", body)
    assert inline and inline[1] == nonce
    _assert_every_script_carries(response, nonce)


def test_a_view_with_its_own_stricter_policy_keeps_it(as_tech, cast, settings, tmp_path):
    from goodwill.desk import services

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html")
    attachment = services.attach(cast.ticket, upload, by_user=cast.tech)
    response = as_tech.get(reverse("desk:attachment", args=[attachment.pk]))
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_https_adds_hsts_and_secure_cookies(as_owner, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = as_owner.get(reverse("dashboard"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def _templates() -> list[Path]:
    return sorted(SRC.glob("*/templates/**/*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_has_an_inline_handler_or_a_script_without_the_nonce(path):
    text = path.read_text()
    assert not INLINE_HANDLER.search(text), "move the handler into a static .js file"
    for tag in SCRIPT_TAG.findall(text):
        if 'type="application/json"' in tag or "type='application/json'" in tag:
            continue  # data, not code (json_script)
        assert 'nonce="{{ CSP_NONCE }}"' in tag, tag
