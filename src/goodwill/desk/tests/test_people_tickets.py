import pytest
from django.urls import reverse

from goodwill.desk import services

pytestmark = pytest.mark.django_db


def test_the_client_page_loads_its_open_tickets_from_the_desk(as_owner, cast):
    page = as_owner.get(reverse("clients:detail", args=[cast.acme.pk])).content.decode()
    url = reverse("desk:client_tickets", args=[cast.acme.pk])
    assert f'hx-get="{url}"' in page
    fragment = as_owner.get(url).content.decode()
    assert cast.ticket.reference in fragment
    assert "Open tickets" in fragment and "(1)" in fragment


def test_closed_and_other_clients_tickets_are_not_listed(as_owner, cast):
    services.change_status(cast.ticket, "closed", by_user=cast.tech)
    services.open_ticket(requester=cast.birch_boss, subject="Birch printer")
    fragment = as_owner.get(reverse("desk:client_tickets", args=[cast.acme.pk])).content.decode()
    assert "No open tickets" in fragment
    assert "Birch printer" not in fragment


def test_the_person_page_lists_their_tickets_with_counts(as_tech, cast):
    services.open_ticket(requester=cast.boss, subject="Second one")
    services.open_ticket(requester=cast.pa, subject="Not hers")
    fragment = as_tech.get(reverse("desk:person_tickets", args=[cast.boss.pk])).content.decode()
    assert "Second one" in fragment and cast.ticket.subject in fragment
    assert "Not hers" not in fragment
    assert "2 in all · 2 in 30 days · 2 open" in fragment


def test_people_without_a_staff_role_get_nothing(cast, login, django_user_model):
    outsider = login(django_user_model.objects.create_user(username="x", password="y" * 20))
    assert outsider.get(reverse("desk:client_tickets", args=[cast.acme.pk])).status_code == 403
    assert outsider.get(reverse("desk:person_tickets", args=[cast.boss.pk])).status_code == 403
