"""Changes made through the staff pages land in the audit trail, with who made them and the old
and new values, and show in the History section of the record's page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from goodwill.billing import services as billing
from goodwill.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment
from goodwill.clients.models import PersonRole

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "id"))


def contract_form(cast, **overrides):
    contract = cast.acme_contract
    data = {
        "client": cast.acme.pk,
        "name": contract.name,
        "state": contract.state,
        "start_date": contract.start_date.isoformat(),
        "term_months": str(contract.term_months),
        "end_date": contract.end_date.isoformat(),
        "renewal_date": contract.renewal_date.isoformat(),
        "notice_days": str(contract.notice_days),
        "fee": str(contract.fee),
        "currency": contract.currency,
        "billing_cycle": contract.billing_cycle,
        "included_hours": str(contract.included_hours),
        "seats": str(contract.seats),
        "sla_policy": cast.policy.pk,
        "notes": "",
    }
    data.update(overrides)
    return data


def test_a_contract_edit_records_who_and_old_to_new_and_shows_on_the_contract_page(
    as_manager, cast
):
    contract = cast.acme_contract
    edit = reverse("contracts:edit", args=[contract.pk])
    response = as_manager.post(edit, contract_form(cast, fee="2750.00", billing_cycle="quarterly"))
    assert response.status_code == 302

    entry = entries_for(contract)[-1]
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == cast.manager
    assert entry.changes["fee"] == ["2500.00", "2750.00"]
    assert entry.changes["billing_cycle"] == ["monthly", "quarterly"]
    # Derived and timestamp fields are not news of their own.
    assert not {"updated_at", "monthly_value", "notice_deadline"} & set(entry.changes)

    page = as_manager.get(contract.get_absolute_url()).content.decode()
    history = page[page.index('id="history-contracts-contract') :]
    assert "Adam Manager" in history
    assert "2500.00</span> → 2750.00" in history
    assert 'Billing cycle: <span class="text-body-secondary">Monthly</span> → Quarterly' in history


def test_an_unchanged_save_records_nothing(as_manager, cast):
    before = len(entries_for(cast.acme_contract))
    as_manager.post(reverse("contracts:edit", args=[cast.acme_contract.pk]), contract_form(cast))
    assert len(entries_for(cast.acme_contract)) == before


def _draft(cast) -> Invoice:
    line = billing.LineInput("Server move", Decimal("2"), Decimal("150.00"), Decimal("20"))
    return billing.create_draft(
        client=cast.acme, kind=InvoiceKind.ONE_OFF, lines=[line], currency="GBP"
    )


def test_issuing_an_invoice_and_recording_a_payment_are_logged(as_bookkeeper, cast):
    draft = _draft(cast)
    created, totals = entries_for(draft)
    assert created.action == LogEntry.Action.CREATE
    # The totals are stored by a queryset update; the service writes that entry itself.
    assert totals.changes["total"] == ["0.00", "360.00"]

    response = as_bookkeeper.post(reverse("billing:invoice_issue", args=[draft.pk]))
    assert response.status_code == 302
    invoice = Invoice.objects.get(pk=draft.pk)
    issued = entries_for(invoice)[-1]
    assert issued.actor == cast.bookkeeper
    assert issued.changes["status"] == ["draft", "issued"]
    assert issued.changes["number"] == ["None", invoice.number]
    assert "pdf" not in issued.changes

    response = as_bookkeeper.post(
        reverse("billing:payment_create"),
        {
            "client": cast.acme.pk,
            "amount": "100.00",
            "currency": "GBP",
            "received_on": timezone.localdate().isoformat(),
            "method": "bank",
            "reference": "ACME BACS",
            "invoice": invoice.pk,
        },
    )
    assert response.status_code == 302
    payment = Payment.objects.get(reference="ACME BACS")
    assert entries_for(payment)[0].actor == cast.bookkeeper
    part_paid = entries_for(invoice)[-1]
    assert part_paid.changes["status"] == ["issued", "part_paid"]
    assert part_paid.actor == cast.bookkeeper

    page = as_bookkeeper.get(invoice.get_absolute_url()).content.decode()
    history = page[page.index('id="history-billing-invoice') :]
    assert "Bea Books</strong> created allocation" in history
    assert 'Status: <span class="text-body-secondary">Issued</span> → Part-paid' in history
    client_page = as_bookkeeper.get(reverse("billing:client", args=[cast.acme.pk]))
    assert "ACME BACS" in client_page.content.decode()
    payments_page = as_bookkeeper.get(reverse("billing:payments")).content.decode()
    assert "Recent changes to payments" in payments_page
    assert "Bea Books</strong> created payment" in payments_page


def test_changing_a_stakeholder_role_is_logged_on_the_person_page(as_manager, cast):
    url = reverse("clients:person_roles", args=[cast.acme_user.pk])
    as_manager.post(url, {"role": "billing", "action": "add"})
    as_manager.post(url, {"role": "billing", "action": "remove"})
    assert not PersonRole.objects.filter(person=cast.acme_user).exists()

    kinds = LogEntry.objects.get_for_model(PersonRole).filter(
        serialized_data__fields__person=cast.acme_user.pk
    )
    assert [(e.action, e.actor) for e in kinds.order_by("timestamp", "id")] == [
        (LogEntry.Action.CREATE, cast.manager),
        (LogEntry.Action.DELETE, cast.manager),
    ]
    page = as_manager.get(cast.acme_user.get_absolute_url()).content.decode()
    history = page[page.index("Roles and portal access: history") :]
    assert "Adam Manager</strong> deleted person role" in history
    assert "Adam Manager</strong> created person role" in history
    # Another person's roles are not in this person's history.
    assert str(cast.boss) not in history


def test_changing_a_staff_role_is_logged(as_owner, cast):
    as_owner.post(
        reverse("accounts:staff_edit", args=[cast.tech.pk]),
        {"role": "account_manager", "is_active": "on"},
    )
    entry = entries_for(cast.tech)[-1]
    assert entry.actor == cast.owner
    assert entry.changes == {"role": ["technician", "account_manager"]}
    page = as_owner.get(reverse("accounts:staff_edit", args=[cast.tech.pk])).content.decode()
    said = 'Staff role: <span class="text-body-secondary">Technician</span> → Account manager'
    assert said in page


def test_changes_outside_a_request_are_signed_by_goodwill(cast):
    from goodwill.audit.services import NOBODY, history_for
    from goodwill.contracts.services import roll_over_auto_renewals

    contract = cast.birch_contract
    contract.auto_renew = True
    contract.end_date = contract.renewal_date = timezone.localdate() - dt.timedelta(days=3)
    contract.start_date = contract.end_date - dt.timedelta(days=364)
    contract.save()
    assert roll_over_auto_renewals() == 1
    latest = history_for(contract)[0]
    assert latest.actor == NOBODY
    assert {c.label for c in latest.changes} == {"End date", "Renewal date"}


def test_a_voided_invoice_says_so(as_bookkeeper, cast):
    draft = _draft(cast)
    as_bookkeeper.post(reverse("billing:invoice_void", args=[draft.pk]))
    assert Invoice.objects.get(pk=draft.pk).status == InvoiceStatus.VOID
    assert entries_for(draft)[-1].changes["status"] == ["draft", "void"]


def test_roles_from_a_spreadsheet_import_are_logged_with_the_importer(cast):
    from goodwill.clients import importing
    from goodwill.clients.models import Person

    sheet = (
        b"company,first_name,last_name,email,roles\n"
        b"Harbour Vets,Sam,Reed,sam@harbourvets.test,pa; fd\n"
    )
    importing.commit_import(sheet, "people.csv", user=cast.manager)
    sam = Person.objects.get(email="sam@harbourvets.test")
    entries = LogEntry.objects.get_for_model(PersonRole).filter(
        serialized_data__fields__person=sam.pk
    )
    assert sorted(e.changes["role"][1] for e in entries) == ["billing", "gatekeeper"]
    assert {e.actor for e in entries} == {cast.manager}


def test_settings_pages_show_who_changed_them(as_owner, as_bookkeeper, as_manager, cast):
    from goodwill.contracts.models import SLAPolicy
    from goodwill.contracts.tests.test_sla_policies import policy_data

    as_owner.post(reverse("contracts:sla_policy_create"), policy_data(cast))
    gold = SLAPolicy.objects.get(name="Gold")
    page = as_owner.get(gold.get_absolute_url()).content.decode()
    history = page[page.index('id="history-contracts-slapolicy') :]
    assert "Olivia Owner</strong> created SLA policy" in history
    assert history.count("Olivia Owner</strong> created SLA target") == 4
    assert "Key first response minutes: 15" in history

    billing_page = reverse("billing:client", args=[cast.acme.pk])
    as_bookkeeper.get(billing_page)  # the profile is made on first sight, with the defaults
    as_bookkeeper.post(
        billing_page,
        {"tax_rate": "20.00", "payment_terms_days": "14", "hourly_rate": "85.00"},
    )
    page = as_bookkeeper.get(billing_page).content.decode()
    said = 'Payment terms days: <span class="text-body-secondary">30</span> → 14'
    assert said in page[page.index("Billing settings and payments: history") :]
    assert "Bea Books</strong> changed billing profile" in page

    access = reverse("portal:access", args=[cast.boss.pk])
    as_manager.post(access, {"pa_sees_colleagues": "on"})  # the boss no longer sees them all
    page = as_manager.get(access).content.decode()
    history = page[page.index("Portal policy: history") :]
    assert "Adam Manager</strong> created portal policy" in history
    assert "The boss sees" not in history  # created as "no": nothing to say
    assert "The PA sees every ticket of the company: yes" in history


def test_portal_access_given_and_taken_away_is_logged(as_manager, cast):
    person = cast.acme_user
    as_manager.post(reverse("portal:invite", args=[person.pk]))
    as_manager.post(reverse("portal:revoke", args=[person.pk]))
    entries = entries_for(person)
    assert [(e.changes, e.actor) for e in entries] == [
        ({"portal_access": ["False", "True"]}, cast.manager),
        ({"portal_access": ["True", "False"]}, cast.manager),
    ]
    page = as_manager.get(person.get_absolute_url()).content.decode()
    history = page[page.index("Roles and portal access: history") :]
    assert 'May sign in to the portal: <span class="text-body-secondary">yes</span> → no' in history


def test_people_created_without_portal_access_are_not_news(cast):
    from goodwill.clients.models import Person

    quiet = Person.objects.create(client=cast.acme, first_name="New", email="new@acme.test")
    granted = Person.objects.create(
        client=cast.acme, first_name="Web", email="web@acme.test", portal_access=True
    )
    assert entries_for(quiet) == []
    assert [e.changes for e in entries_for(granted)] == [{"portal_access": ["None", "True"]}]


def test_a_drafts_lines_added_and_removed_are_logged(as_bookkeeper, cast):
    draft = _draft(cast)
    as_bookkeeper.post(
        reverse("billing:invoice_line_add", args=[draft.pk]),
        {"description": "Cable", "quantity": "2", "unit_price": "5.00", "tax_rate": "20"},
    )
    cable = draft.lines.get(description="Cable")
    as_bookkeeper.post(reverse("billing:invoice_line_delete", args=[draft.pk, cable.pk]))
    said = [(e.actor, e.changes) for e in entries_for(draft)[2:]]
    assert said == [
        (cast.bookkeeper, {"Line added": ["", "Cable: 2.00 × 5.00 (tax 20%)"]}),
        (
            cast.bookkeeper,
            {
                "subtotal": ["300.00", "310.00"],
                "tax": ["60.00", "62.00"],
                "total": ["360.00", "372.00"],
            },
        ),
        (cast.bookkeeper, {"Line removed": ["Cable: 2.00 × 5.00 (tax 20%)", ""]}),
        (
            cast.bookkeeper,
            {
                "subtotal": ["310.00", "300.00"],
                "tax": ["62.00", "60.00"],
                "total": ["372.00", "360.00"],
            },
        ),
    ]


def test_the_sites_a_contract_covers_are_logged_by_name(as_manager, cast):
    edit = reverse("contracts:edit", args=[cast.acme_contract.pk])
    as_manager.post(edit, contract_form(cast, sites=[cast.acme_site.pk]))
    as_manager.post(edit, contract_form(cast))
    said = [(e.actor, e.changes) for e in entries_for(cast.acme_contract)[1:]]
    site = {"type": "m2m", "objects": ["Head office"]}
    assert said == [
        (cast.manager, {"sites": {**site, "operation": "add"}}),
        (cast.manager, {"sites": {**site, "operation": "delete"}}),
    ]
    page = as_manager.get(cast.acme_contract.get_absolute_url()).content.decode()
    assert "Sites: added Head office" in page
    assert "Sites: removed Head office" in page


def test_changes_made_through_the_api_are_signed_by_the_tokens_owner(cast, client):
    from goodwill.api.tests.support import bearer

    response = client.post(
        "/api/v1/people",
        {"client_id": cast.acme.pk, "first_name": "Ola", "email": "ola@acme.test",
         "roles": ["billing"]},
        content_type="application/json",
        **bearer(cast.manager),
    )  # fmt: skip
    assert response.status_code == 201
    role = PersonRole.objects.get(person_id=response.json()["id"])
    assert [e.actor for e in entries_for(role)] == [cast.manager]


def test_explicit_entries_respect_a_disabled_audit_log(cast):
    from auditlog.context import disable_auditlog

    with disable_auditlog():
        draft = _draft(cast)
    assert entries_for(draft) == []
