"""Which models the audit trail follows, and which of their fields it leaves out or masks."""

from __future__ import annotations


def register_audited_models() -> None:
    """Filled in as each model is registered."""
