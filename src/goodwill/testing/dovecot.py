"""A private Dovecot IMAP server for tests: its own config, users and Maildir in a temporary
directory, on a free loopback port, started and stopped by the test (never the system's)."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from imapclient import IMAPClient

from goodwill.testing.smtp import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def available() -> str:
    """Why Dovecot cannot run here, or "" when it can."""
    if not Path(DOVECOT).exists():
        return "Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() == 0:
        for name in ("dovecot", "dovenull"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                return f"the system user {name!r} that Dovecot runs as is missing"
    return ""


class Dovecot:
    """`Dovecot().start()`; `.client()` is a logged-in IMAPClient; `.stop()` ends it."""

    def __init__(self, user: str = "support") -> None:
        self.user, self.password = user, secrets.token_urlsafe(12)
        self.port = free_port()
        # Not pytest's tmp_path: its parents are private (0700) and, when the tests run as
        # root, Dovecot's mail processes run as the unprivileged "dovecot" user.
        self.root = Path(tempfile.mkdtemp(prefix="goodwill-dovecot-"))
        self.process: subprocess.Popen | None = None

    def _ids(self) -> tuple[str, str, int, int]:
        if os.geteuid() == 0:  # Dovecot refuses root for mail: its own users do the work
            mail = pwd.getpwnam("dovecot")
            return "dovenull", "dovecot", mail.pw_uid, mail.pw_gid
        me = pwd.getpwuid(os.getuid()).pw_name
        return me, me, os.getuid(), os.getgid()

    def _write_config(self) -> Path:
        login_user, internal_user, uid, gid = self._ids()
        root = self.root
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir()
        (root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        config = root / "dovecot.conf"
        config.write_text(
            f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = goodwill-test-{self.port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
  default_fields = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
        )
        os.chmod(root, 0o755)  # noqa: S103 - the mail user must reach its Maildir
        if os.geteuid() == 0:
            for sub in ("mail", "home"):
                os.chown(root / sub, uid, gid)
        return config

    def start(self) -> Dovecot:
        config = self._write_config()
        # -F: stay in the foreground, as our child, so the test stops exactly this process.
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Dovecot exited: {self.process.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Dovecot did not start listening within 15 s")

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def mailbox(self, password_env: str):  # noqa: ANN201 - a mail.models.Mailbox
        """The Mailbox that polls this server's INBOX, its password read from `password_env`
        (the caller puts self.password there, as an installation would)."""
        from goodwill.mail.models import Mailbox, MailboxKind

        return Mailbox.objects.create(
            name="imap",
            kind=MailboxKind.IMAP,
            address="support@goodwill.test",
            imap_host="127.0.0.1",
            imap_port=self.port,
            imap_ssl=False,
            imap_user=self.user,
            imap_password_env=password_env,
            imap_folder="INBOX",
        )

    def append(self, folder: str, *messages: bytes) -> None:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)
        finally:
            client.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)
