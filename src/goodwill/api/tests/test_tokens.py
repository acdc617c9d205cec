"""Tokens made on the staff page and on the command line; revoked tokens stop working."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from goodwill.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_the_staff_page_shows_a_new_token_once_and_revokes_it(cast, as_tech, client):
    page = as_tech.post(reverse("api:tokens"), {"name": "Monitoring"})
    secret = re.search(rb'id="new-token">(gw_[^<]+)<', page.content).group(1).decode()
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    assert secret.encode() not in as_tech.get(reverse("api:tokens")).content
    token = ApiToken.objects.get()
    as_tech.post(reverse("api:revoke_token", args=[token.pk]))
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_staff_cannot_revoke_each_others_tokens_but_the_owner_can(cast, as_tech, login):
    from goodwill.api.auth import create_token

    token, _secret = create_token(name="mine", user=cast.manager)
    assert as_tech.post(reverse("api:revoke_token", args=[token.pk])).status_code == 404
    login(cast.owner).post(reverse("api:revoke_token", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_create_on_the_command_line(cast, client):
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", "--user", "olivia", "--name", "Import", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert ApiToken.objects.get().name == "Import"
    assert client.get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", "nobody", stdout=out, stderr=err)
