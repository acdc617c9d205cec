import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = reverse("search")


def test_it_finds_clients_people_and_contracts(as_tech, cast):
    results = as_tech.get(URL, {"q": "acme"}).context["results"]
    assert [c.name for c in results.clients] == ["Acme Dental"]
    assert {p.full_name for p in results.people} >= {"Maria Shaw", "Priya Nair"}
    assert [k.client.name for k in results.contracts] == ["Acme Dental"]


def test_every_word_must_match(as_tech, cast):
    results = as_tech.get(URL, {"q": "maria acme"}).context["results"]
    assert [p.full_name for p in results.people] == ["Maria Shaw"]


def test_it_finds_people_by_email(as_tech, cast):
    results = as_tech.get(URL, {"q": "bill@birch"}).context["results"]
    assert [p.full_name for p in results.people] == ["Bill Birch"]


def test_one_character_is_not_a_search(as_tech, cast):
    response = as_tech.get(URL, {"q": "a"})
    assert response.context["results"] is None
    assert b"at least two characters" in response.content


def test_no_match_says_so(as_tech, cast):
    assert b"Nothing matches" in as_tech.get(URL, {"q": "zzzz"}).content
