import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from goodwill.clients import services
from goodwill.clients.models import Person, PersonRole, RoleSource

pytestmark = pytest.mark.django_db


def test_a_person_can_hold_several_roles(cast):
    services.assign_role(cast.boss, "billing", by=cast.owner)
    assert cast.boss.role_set() == {"decision_maker", "billing"}


def test_assigning_twice_keeps_one_row(cast):
    services.assign_role(cast.boss, "decision_maker", by=cast.owner)
    assert PersonRole.objects.filter(person=cast.boss, role="decision_maker").count() == 1


def test_staff_confirming_a_detected_role_marks_it_confirmed(cast):
    detected = services.assign_role(
        cast.acme_user, "complainer", by=None, source=RoleSource.DETECTED
    )
    assert detected.confirmed_at is None
    confirmed = services.confirm_complainer(cast.acme_user, by=cast.manager)
    assert confirmed.pk == detected.pk
    assert confirmed.source == RoleSource.STAFF
    assert confirmed.confirmed_at is not None


def test_an_unknown_role_is_rejected(cast):
    with pytest.raises(ValueError):
        services.assign_role(cast.boss, "emperor", by=cast.owner)


def test_record_contact_only_moves_forward(cast):
    recent = timezone.now()
    services.record_contact(cast.fd, when=recent)
    services.record_contact(cast.fd, when=recent - dt.timedelta(days=30))
    cast.fd.refresh_from_db()
    assert cast.fd.last_contact_at == recent


def test_emails_are_unique_whatever_the_case(cast):
    with pytest.raises(IntegrityError):
        Person.objects.create(client=cast.birch, first_name="X", email="MARIA@ACME.TEST")


def test_many_people_may_have_no_email(cast):
    Person.objects.create(client=cast.birch, first_name="A")
    Person.objects.create(client=cast.birch, first_name="B")
    assert Person.objects.filter(client=cast.birch, email="").count() == 2
