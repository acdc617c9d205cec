"""Template helpers for happiness: band badges, trends, and the panels other pages embed."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

BAND_WORDS = {"green": "Happy", "amber": "Cooling", "red": "Unhappy"}


@register.simple_tag
def band(band: str | None, score: int | None = None, words: bool = True) -> str:
    """A coloured dot, the band in words, and the score: ● Unhappy 12."""
    if not band:
        return format_html(
            '<span class="gw-band unscored" title="{}"><span class="gw-dot"></span>{}</span>',
            "No score yet: run goodwill happiness_recompute", "Not scored yet",
        )
    label = BAND_WORDS.get(band, band.title()) if words else ""
    number = "" if score is None else f" {score}"
    return format_html(
        '<span class="gw-band gw-band-{}" title="{} band{}"><span class="gw-dot {}"></span>'
        "{}<strong>{}</strong></span>",
        band, band.title(), f", score {score}/100" if score is not None else "", band, label,
        number,
    )


@register.filter
def trend(delta: object) -> str:
    """▲ 5 / ▼ 21 / ▬ for a change in points."""
    if not isinstance(delta, int):
        return ""
    if delta > 0:
        return format_html('<span class="gw-trend up" title="up {} points">▲ {}</span>',
                           delta, delta)
    if delta < 0:
        return format_html('<span class="gw-trend down" title="down {} points">▼ {}</span>',
                           -delta, -delta)
    return mark_safe('<span class="gw-trend flat" title="unchanged">▬</span>')  # noqa: S308  # a constant string  # nosec B308


@register.filter
def score_for(scores: dict | None, pk: Any) -> Any:
    return (scores or {}).get(pk)


@register.filter
def signed(value: int | float) -> str:
    return f"{value:+d}" if isinstance(value, int) else f"{value:+.2f}"


@register.simple_tag(takes_context=True)
def client_happiness(context: template.Context, client: Any) -> Any:
    from goodwill.happiness.queries import client_panel

    request = context.get("request")
    person = request.GET.get("person", "") if request is not None else ""
    return client_panel(client, int(person) if person.isdigit() else None)


@register.simple_tag
def person_happiness(person: Any) -> Any:
    from goodwill.happiness.queries import person_panel

    return person_panel(person)


@register.simple_tag
def client_health_of(client_ids: list[int]) -> dict:
    from goodwill.happiness.queries import client_health_map

    return client_health_map(client_ids)


@register.simple_tag
def happiness_portfolio() -> Any:
    from goodwill.happiness.queries import portfolio

    return portfolio()


@register.simple_tag
def at_risk_clients(limit: int = 5) -> Any:
    from goodwill.happiness.queries import at_risk

    return at_risk(limit)


@register.simple_tag
def next_actions_for(user: Any, limit: int = 6) -> Any:
    from goodwill.happiness.playbook import actions_for

    return actions_for(user, limit)
