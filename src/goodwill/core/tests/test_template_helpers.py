import datetime as dt
from decimal import Decimal

from django.template import Context, Template
from django.test import RequestFactory

from goodwill.core.dates import relative_days


def render_header(query: str, key: str, default: str = "name") -> str:
    request = RequestFactory().get(f"/x/?{query}")
    template = Template('{% load goodwill %}{% sort_link key "Label" default=default %}')
    return template.render(Context({"request": request, "key": key, "default": default}))


def test_sort_links_flip_direction_and_drop_the_page():
    assert 'href="?sort=-name"' in render_header("", "name")  # default is name: flip it
    assert "▲" in render_header("", "name")
    assert 'href="?q=a&amp;sort=name"' in render_header("q=a&sort=-name&page=3", "name")
    assert "▼" in render_header("sort=-name", "name")


def test_a_descending_first_key_starts_descending():
    assert 'href="?sort=-value"' in render_header("", "-value", default="renewal")
    assert 'href="?sort=value"' in render_header("sort=-value", "-value", default="renewal")


def test_money_is_formatted_for_people():
    out = Template("{% load goodwill %}{{ amount|money:'EUR' }}").render(
        Context({"amount": Decimal("1234.5")})
    )
    assert out == "€1,234.50"


def test_relative_days():
    today = dt.date(2026, 11, 27)
    assert relative_days(today, today) == "today"
    assert relative_days(dt.date(2026, 11, 28), today) == "tomorrow"
    assert relative_days(dt.date(2026, 12, 7), today) == "in 10 days"
    assert relative_days(dt.date(2026, 11, 20), today) == "7 days ago"
