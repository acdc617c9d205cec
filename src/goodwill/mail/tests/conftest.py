"""Mail tests keep raw messages and attachments in a temporary MEDIA_ROOT."""

from __future__ import annotations

import pytest


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def mailbox(db, media):
    from goodwill.mail.models import Mailbox, MailboxKind

    return Mailbox.objects.create(
        name="Support", address="support@goodwill.test", kind=MailboxKind.MANUAL
    )
