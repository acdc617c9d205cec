"""`goodwill token create --user USERNAME [--name NAME]`: make an API token and print it once.

    goodwill token create --user olivia --name "Accounting sync"
    goodwill token create --person maria@acme.test          # a client person's token
    goodwill token list
    goodwill token revoke gw_AbCdEf1
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.accounts.models import User
from goodwill.api import auth
from goodwill.api.models import ApiToken
from goodwill.portal.models import PortalAccount


class Command(BaseCommand):
    help = "Create, list or revoke API tokens. A new token's secret is printed once, never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token")
        owner = create.add_mutually_exclusive_group(required=True)
        owner.add_argument("--user", help="username of a staff member (the token has their role)")
        owner.add_argument("--person", help="e-mail of a client person with portal access")
        create.add_argument("--name", default="Command line", help="what the token is for")
        sub.add_parser("list", help="list tokens (never their secrets)")
        revoke = sub.add_parser("revoke", help="revoke a token by the characters it starts with")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "list":
            for token in ApiToken.objects.select_related("user", "portal_account__person"):
                owner = token.user or token.portal_account.person  # type: ignore[union-attr]
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(f"{token.prefix}…  {state:<8} {owner}  {token.name}")
        else:
            matches = ApiToken.objects.filter(prefix__startswith=options["prefix"][:10])
            if matches.count() != 1:
                raise CommandError(f"{matches.count()} tokens start with {options['prefix']!r}.")
            auth.revoke(matches.get())
            self.stdout.write(self.style.SUCCESS("Revoked."))

    def _create(self, options: dict[str, Any]) -> None:
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None or not user.is_goodwill_staff:
                raise CommandError(f"No active staff user {options['user']!r} with a role.")
            _token, secret = auth.create_token(name=options["name"], user=user)
            who = f"{user} ({user.role_label})"
        else:
            account = PortalAccount.objects.filter(
                person__email__iexact=options["person"]
            ).first()
            if account is None or not account.can_sign_in:
                raise CommandError(f"{options['person']} has no portal access.")
            _token, secret = auth.create_token(name=options["name"], portal_account=account)
            who = f"{account.person} at {account.person.client}"
        self.stderr.write(f"Token for {who}. Shown once; keep it somewhere safe:")
        self.stdout.write(secret)
