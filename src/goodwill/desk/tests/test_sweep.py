import datetime as dt

import pytest
import time_machine

from goodwill.desk import services
from goodwill.desk.models import EventKind, TicketEvent

from .conftest import london

pytestmark = pytest.mark.django_db
MON_10 = london(2026, 3, 2, 10, 0)


@pytest.fixture
def ticket(cedar_user):
    with time_machine.travel(MON_10, tick=False):
        return services.open_ticket(requester=cedar_user, subject="Server down", priority="P1")


def kinds(ticket):
    return sorted(
        TicketEvent.objects.filter(ticket=ticket, once_key__gt="").values_list("kind", "once_key")
    )


def test_due_soon_then_breached_each_recorded_once(ticket, settings):
    settings.GOODWILL_SLA_DUE_SOON_MINUTES = 30
    assert services.sweep_sla(london(2026, 3, 2, 10, 10)) == 0
    assert services.sweep_sla(london(2026, 3, 2, 10, 35)) == 1
    assert services.sweep_sla(london(2026, 3, 2, 10, 40)) == 0
    assert kinds(ticket) == [(EventKind.SLA_DUE_SOON, "first_response")]
    assert services.sweep_sla(london(2026, 3, 2, 11, 1)) == 1
    assert services.sweep_sla(london(2026, 3, 2, 11, 2)) == 0
    ticket.refresh_from_db()
    assert ticket.sla_breached


def test_a_sweep_after_downtime_catches_up_with_what_it_missed(ticket):
    # The worker was off all day: both clocks have passed their deadlines.
    recorded = services.sweep_sla(london(2026, 3, 2, 17, 0))
    assert recorded == 2
    assert kinds(ticket) == [
        (EventKind.SLA_BREACHED, "first_response"),
        (EventKind.SLA_BREACHED, "resolution"),
    ]


def test_answered_and_paused_clocks_are_left_alone(cast, ticket):
    services.reply(ticket, "On it", by_user=cast.tech, at=london(2026, 3, 2, 10, 5))
    with time_machine.travel(london(2026, 3, 2, 10, 6), tick=False):
        services.change_status(ticket, "waiting_client", by_user=cast.tech)
    assert services.sweep_sla(london(2026, 3, 2, 17, 0) + dt.timedelta(days=3)) == 0


def test_refresh_sla_applies_an_edited_policy_to_open_tickets(cast, ticket, capsys):
    from django.core.management import call_command

    from goodwill.contracts.models import SLATarget

    SLATarget.objects.filter(policy=cast.policy, priority="P1").update(first_response_minutes=30)
    with time_machine.travel(MON_10, tick=False):
        call_command("refresh_sla")
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == london(2026, 3, 2, 10, 30)
    assert "recomputed for" in capsys.readouterr().out
