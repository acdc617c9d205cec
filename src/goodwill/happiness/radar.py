"""The complainer radar: who, at each client, stands out from their colleagues, and why.

Robust statistics relative to the client, not fixed thresholds: for each measure (tickets in
90 days, share of negative messages, reopen rate, escalation rate) a person's distance from
the colleagues' median in units of their median absolute deviation. Someone is flagged when
they raise far more tickets than their colleagues AND something about those tickets is
negative (tone, reopening, escalating): a busy but polite person is not a complainer.
A dismissal is remembered (PersonRole.dismissed_at on the detected role) and never re-raised.
The boss, the PA and the FD are never flagged: their unhappiness shows in their own band.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from goodwill.clients.models import KEY_ROLES, PersonRole, StakeholderRole

MIN_COLLEAGUES = 4  # fewer active colleagues than this: nothing to compare against
TICKETS_Z = 3.0
NEGATIVE_Z = 2.0
MIN_TICKETS = 5
MIN_NEGATIVE = 3
MAD_TO_SIGMA = 1.4826
# Floors on the spread, so a client where everyone raises exactly two tickets does not flag
# the one who raised four.
SPREAD_FLOOR = {"tickets": 1.0, "negative_share": 0.1, "reopen_rate": 0.1, "escalation_rate": 0.1}


def _measures(stats: dict[str, int]) -> dict[str, float]:
    tickets = stats.get("tickets", 0)
    messages = stats.get("messages", 0)
    return {
        "tickets": float(tickets),
        "negative_share": stats.get("negative", 0) / messages if messages else 0.0,
        "reopen_rate": stats.get("reopened", 0) / tickets if tickets else 0.0,
        "escalation_rate": stats.get("escalated", 0) / tickets if tickets else 0.0,
    }


def robust_z(value: float, others: list[float], floor: float) -> tuple[float, float]:
    """(z, median of others): distance from the colleagues' median in robust sigmas."""
    median = statistics.median(others)
    mad = statistics.median(abs(x - median) for x in others)
    return (value - median) / max(MAD_TO_SIGMA * mad, floor), median


def assess(stats: dict[str, int], colleagues: list[dict[str, int]]) -> dict[str, Any] | None:
    """The radar's finding for one person against their colleagues, or None."""
    return _assess(stats, _measures(stats), [_measures(c) for c in colleagues])


def _assess(
    stats: dict[str, int], mine: dict[str, float], theirs: list[dict[str, float]]
) -> dict[str, Any] | None:
    if len(theirs) < MIN_COLLEAGUES:
        return None
    # The ticket count decides for most people: test it before the three other measures.
    if stats.get("tickets", 0) < MIN_TICKETS:
        return None
    tickets = [t["tickets"] for t in theirs]
    # The spread is at least its floor, so below this distance from the median z cannot
    # reach TICKETS_Z: most people stop here, before the deviations are worked out.
    if mine["tickets"] - statistics.median(tickets) < TICKETS_Z * SPREAD_FLOOR["tickets"]:
        return None
    z = {}
    medians = {}
    z["tickets"], medians["tickets"] = robust_z(mine["tickets"], tickets, SPREAD_FLOOR["tickets"])
    if z["tickets"] < TICKETS_Z:
        return None
    for name, floor in SPREAD_FLOOR.items():
        if name != "tickets":
            z[name], medians[name] = robust_z(mine[name], [t[name] for t in theirs], floor)
    # Negative in a way that counts: enough instances, not one bad day.
    negative = max(
        z["negative_share"] if stats.get("negative", 0) >= MIN_NEGATIVE else 0.0,
        z["reopen_rate"] if stats.get("reopened", 0) >= 2 else 0.0,
        z["escalation_rate"] if stats.get("escalated", 0) >= 2 else 0.0,
    )
    if negative < NEGATIVE_Z:
        return None
    why = [
        f"{stats['tickets']} tickets in 90 days (colleagues' median {medians['tickets']:g})"
    ]
    if z["negative_share"] >= NEGATIVE_Z and stats.get("negative", 0) >= MIN_NEGATIVE:
        why.append(
            f"{stats['negative']} of {stats['messages']} messages negative "
            f"(colleagues {round(medians['negative_share'] * 100)} %)"
        )
    if z["reopen_rate"] >= NEGATIVE_Z and stats.get("reopened", 0) >= 2:
        why.append(f"reopened {stats['reopened']} tickets")
    if z["escalation_rate"] >= NEGATIVE_Z and stats.get("escalated", 0) >= 2:
        why.append(f"{stats['escalated']} tickets escalated")
    return {"z": round(z["tickets"] + negative, 1), "why": why}


def dismissed_ids(client_id: int | None = None) -> set[int]:
    qs = PersonRole.objects.filter(role=StakeholderRole.COMPLAINER, dismissed_at__isnull=False)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return set(qs.values_list("person_id", flat=True))


def flag(scores: Iterable[Any], roles: dict[int, list[str]], *, dismissed: set[int]) -> None:
    """Set `.radar` on each PersonScore (in place) from its `.stats` against its colleagues."""
    by_client: dict[int, list[Any]] = defaultdict(list)
    for score in scores:
        by_client[score.client_id].append(score)
    key_roles = set(KEY_ROLES)
    for people in by_client.values():
        # Colleagues are everyone active at the client, quiet ones included; each person's
        # measures are worked out once per client, not once per colleague.
        measures = [_measures(s.stats) for s in people]
        for i, score in enumerate(people):
            score.radar = None
            if score.person_id in dismissed or not score.stats.get("tickets"):
                continue
            # A boss, PA or FD who complains is a key person unhappy, shown by their band:
            # the radar looks for the loud voice that is not the decisive one.
            if set(roles.get(score.person_id, [])) & key_roles:
                continue
            finding = _assess(score.stats, measures[i], measures[:i] + measures[i + 1:])
            if finding:
                finding["confirmed"] = StakeholderRole.COMPLAINER in roles.get(score.person_id, [])
                score.radar = finding
