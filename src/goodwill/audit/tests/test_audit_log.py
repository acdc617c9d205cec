"""The audit log page and its CSV export: who may read it, what it filters, and that secrets
never reach it."""

from __future__ import annotations

import csv
import io

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from goodwill.api import auth as api_auth
from goodwill.api.models import ApiToken, WebhookSubscription
from goodwill.mail.models import Mailbox, MailboxKind
from goodwill.portal.tests.support import portal_client

pytestmark = pytest.mark.django_db

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")


def exported(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def everything_logged() -> str:
    """Every stored part of every entry, as one string to search."""
    return " ".join(
        f"{e.object_repr} {e.changes} {e.changes_text} {e.serialized_data}"
        for e in LogEntry.objects.all()
    )


def test_secrets_never_reach_the_log(as_owner, cast):
    mailbox = Mailbox.objects.create(
        name="Support",
        kind=MailboxKind.IMAP,
        imap_host="imap.example.test",
        imap_user="support",
        imap_password_env="GOODWILL_IMAP_PASSWORD_SUPPORT",
    )
    mailbox.imap_password_env = "GOODWILL_IMAP_PASSWORD_NEW"
    mailbox.save()
    token, secret = api_auth.create_token(name="Accounting sync", user=cast.owner)
    api_auth.revoke(token)
    hook = WebhookSubscription.objects.create(
        name="Chat", url="https://hooks.example.test/x", secret="whsec-do-not-log-me"
    )
    hook.secret = "whsec-rotated-do-not-log-me"
    hook.save()

    logged = everything_logged()
    for value in (
        "GOODWILL_IMAP_PASSWORD_SUPPORT",
        "GOODWILL_IMAP_PASSWORD_NEW",
        secret,
        token.digest,
        "whsec-do-not-log-me",
        "whsec-rotated-do-not-log-me",
    ):
        assert value not in logged
    # ...yet the log says that they changed, and the revocation is there.
    changed = LogEntry.objects.get_for_object(mailbox).filter(action=LogEntry.Action.UPDATE)
    assert changed.get().changes == {"imap_password_env": ["(hidden)", "(hidden)"]}
    revoked = LogEntry.objects.get_for_object(ApiToken.objects.get(pk=token.pk)).latest()
    assert list(revoked.changes) == ["revoked_at"]

    page = as_owner.get(LOG).content.decode()
    rows = exported(as_owner.get(EXPORT))
    for value in (secret, token.digest, "whsec-rotated-do-not-log-me"):
        assert value not in page
        assert all(value not in " ".join(row.values()) for row in rows)
    assert any(row["What"] == "mailbox" and "(hidden)" in row["Changes"] for row in rows)


def test_the_export_has_the_filtered_rows_and_defuses_formulas(as_owner, as_manager, cast):
    tech = cast.tech
    tech.first_name = "=2+5"
    tech.save()
    rows = exported(as_owner.get(EXPORT, {"model": "accounts.user"}))
    assert rows and {row["What"] for row in rows} == {"user"}
    renamed = [row for row in rows if row["Action"] == "changed"]
    assert len(renamed) == 1
    assert renamed[0]["Record"] == "'=2+5 Tech"
    assert renamed[0]["Changes"] == "First name: Tess → =2+5"
    assert renamed[0]["Who"] == "Goodwill (a job or a command)"  # saved outside a request

    as_manager.post(
        reverse("clients:person_roles", args=[cast.acme_user.pk]),
        {"role": "billing", "action": "add"},
    )
    by_adam = exported(as_owner.get(EXPORT, {"actor": cast.manager.pk}))
    assert [(row["Who"], row["What"], row["Action"]) for row in by_adam] == [
        ("Adam Manager", "person role", "created")
    ]
    changes = by_adam[0]["Changes"]
    assert "Role: Financial director" in changes
    assert "Person: Priya Nair" in changes
    assert "Assigned by: Adam Manager" in changes


def test_the_log_page_filters_and_says_what_changed(as_owner, as_manager, cast):
    as_manager.post(
        reverse("clients:person_roles", args=[cast.acme_user.pk]),
        {"role": "billing", "action": "add"},
    )
    page = as_owner.get(LOG, {"actor": cast.manager.pk}).content.decode()
    assert "Adam Manager</strong> created person role" in page
    assert "Priya Nair" in page
    assert "1 entry" in page
    assert "Olivia Owner</strong>" not in page


@pytest.mark.parametrize("who", ["as_tech", "as_manager"])
def test_people_without_the_capability_get_403(request, who, cast):
    http = request.getfixturevalue(who)
    assert http.get(LOG).status_code == 403
    assert http.get(EXPORT).status_code == 403


def test_a_bookkeeper_reads_the_money_part_only(as_bookkeeper, cast):
    cast.acme_contract.notes = "Renegotiated"
    cast.acme_contract.save()
    from goodwill.billing.services import profile_for

    profile_for(cast.acme)
    rows = exported(as_bookkeeper.get(EXPORT))
    assert rows and {row["What"] for row in rows} == {"billing profile"}
    assert as_bookkeeper.get(LOG, {"model": "contracts.contract"}).status_code == 200
    assert "Renegotiated" not in as_bookkeeper.get(LOG).content.decode()


def test_a_portal_user_never_sees_audit_entries(as_manager, cast):
    # Something worth hiding is in the log: the boss's role was changed by staff.
    as_manager.post(
        reverse("clients:person_roles", args=[cast.boss.pk]),
        {"role": "complainer", "action": "add"},
    )
    http = portal_client(cast.boss)
    for url in (LOG, EXPORT, LOG + "?model=clients.personrole"):
        response = http.get(url)
        assert response.status_code in (302, 403), url
        assert b"Adam Manager" not in response.content
    for name in ("portal:home", "portal:contract", "portal:invoices"):
        page = http.get(reverse(name))
        assert page.status_code == 200
        assert b"Adam Manager" not in page.content
        assert b"History" not in page.content


def test_the_export_reads_in_batches_without_losing_or_repeating_rows(cast):
    from goodwill.audit.services import LogFilters, csv_rows, filtered_log

    for n in range(7):
        cast.acme_contract.notes = f"note {n}"
        cast.acme_contract.save()
    rows = filtered_log(cast.owner, LogFilters(model="contracts.contract"))
    expected = [str(e.pk) for e in rows]
    batched = list(csv_rows(rows, batch=3))
    assert len(batched) == len(expected) == 9  # two contracts created, seven notes
    assert [row[5] for row in batched].count(str(cast.acme_contract.pk)) == 8
    assert batched[0][6] == "Notes: note 5 → note 6"  # newest first
