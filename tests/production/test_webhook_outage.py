"""Webhooks while one subscriber's server hangs, then comes back (issue 9, faults).

A target that never answers costs one timeout per run, not one per delivery: the others'
deliveries go out at once, its own record the error and back off, and once it answers again
every delivery reaches it exactly once.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.utils import timezone

from goodwill.api import webhooks
from goodwill.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

from .support import SilentServer, WebhookReceiver

pytestmark = pytest.mark.django_db

EVENTS = 8
TIMEOUT = 1


def test_a_hung_subscriber_costs_one_timeout_per_run_and_later_gets_everything_once(settings):
    settings.GOODWILL_WEBHOOK_ALLOW_PRIVATE = True
    settings.GOODWILL_WEBHOOK_TIMEOUT = TIMEOUT
    silent, live = SilentServer(), WebhookReceiver()
    try:
        hung = WebhookSubscription.objects.create(
            name="Hung", url=f"http://127.0.0.1:{silent.port}/hook", secret="a",
            events=["ticket.created"],
        )  # fmt: skip
        WebhookSubscription.objects.create(
            name="Live", url=live.url("/hook"), secret="b", events=["ticket.created"]
        )
        t0 = timezone.now()
        for n in range(EVENTS):
            webhooks.emit("ticket.created", key=f"ticket:{n}", payload={"n": n}, now=t0)

        started = time.monotonic()
        assert webhooks.deliver_due(t0) == EVENTS  # every live delivery, at once
        took = time.monotonic() - started
    finally:
        silent.close()
    assert took < 3 * TIMEOUT, f"the run waited {took:.1f} s"
    assert len(live.hits) == EVENTS
    waiting = WebhookDelivery.objects.filter(subscription=hung)
    assert waiting.count() == EVENTS  # no row lost, none added
    assert set(waiting.values_list("status", flat=True)) == {DeliveryStatus.QUEUED}
    assert set(waiting.values_list("attempts", flat=True)) == {1}  # each backs off
    assert all("timed out" in error for error in waiting.values_list("last_error", flat=True))

    # The subscriber is back on the same port: past the back-off every delivery arrives once.
    back = WebhookReceiver(port=silent.port)
    try:
        with time_machine.travel(t0 + dt.timedelta(minutes=2), tick=False):
            assert webhooks.deliver_due() == EVENTS
            assert webhooks.deliver_due() == 0
    finally:
        back.stop()
        live.stop()
    assert sorted(hit.key for hit in back.hits) == sorted(f"ticket:{n}" for n in range(EVENTS))
    assert back.deliveries() == {str(pk): 1 for pk in waiting.values_list("pk", flat=True)}
    assert set(waiting.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
