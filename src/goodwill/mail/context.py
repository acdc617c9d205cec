"""Which inbound message is being processed right now, for code that reacts to ticket events.

Intake opens tickets and adds replies through the desk's services, which publish ticket events;
the notification receivers read `current_inbound()` to learn that the event came from an e-mail
and whether that e-mail was automatic (then no automatic reply goes back: RFC 3834 loops).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class InboundContext:
    inbound_id: int
    automatic: bool  # Auto-Submitted, Precedence bulk/list/junk, X-Loop, null sender, bounce
    message_id: str  # the inbound Message-ID (without <>), to thread our answer under it
    from_address: str
    # The To and Cc addresses (lower case) when the intake read them already; None: read them
    # from the stored message when needed.
    copied: frozenset[str] | None = None


_current: ContextVar[InboundContext | None] = ContextVar("goodwill_inbound", default=None)


def current_inbound() -> InboundContext | None:
    return _current.get()


@contextmanager
def processing(context: InboundContext) -> Iterator[InboundContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
