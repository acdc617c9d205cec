"""Staff users walking Goodwill's pages, for bench/load_staff.py (which starts the server and
writes the plan this file reads). Only HTTP: no Django here (locust patches the standard
library with gevent, so it is imported first, and the app's code never runs in this process).

Each simulated user signs in as one of the demo staff (in turn: owner, account managers,
technicians, bookkeeper), then, 1–3 s apart, opens the pages a member of staff opens in a day:
the ticket queue (mostly), tickets, the dashboard, clients and people, happiness, billing (roles
that may see it) and the calendar. Every request is named by its page, so the figures come per
page. Anything but the expected status (200; 302 for the login) is a failure, redirects
included: a redirect to the login page would otherwise pass as a fast page.

The plan (GOODWILL_LOAD_PLAN, a JSON file): {"logins": [{"username", "password", "role"}],
"open_tickets", "closed_tickets", "clients", "people": [ids…], "searches": [words…]}.
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

from locust import FastHttpUser, between, task

# The roles that may see billing (accounts.permissions, "billing.view").
BILLING_ROLES = {"owner", "account_manager", "bookkeeper"}
QUEUE_VIEWS = (
    ("queue ?tab=mine", "/tickets/?tab=mine"),
    ("queue ?tab=unassigned&role=key", "/tickets/?tab=unassigned&role=key"),
    ("queue ?status=open&priority=P3", "/tickets/?status=open&priority=P3"),
    ("queue ?tab=breached", "/tickets/?tab=breached"),
    ("queue ?status=any", "/tickets/?status=any"),
)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

with open(os.environ["GOODWILL_LOAD_PLAN"]) as _handle:
    PLAN: dict[str, Any] = json.load(_handle)
_next_login = 0


class StaffUser(FastHttpUser):
    wait_time = between(1, 3)
    network_timeout = 30.0  # a page slower than this counts as failed
    connection_timeout = 10.0

    def on_start(self) -> None:
        global _next_login
        login = PLAN["logins"][_next_login % len(PLAN["logins"])]
        _next_login += 1
        self.role = login["role"]
        self.rng = random.Random(_next_login)
        with self.client.get("/login/", name="login form", catch_response=True) as page:
            match = _CSRF.search(page.text or "")
            if page.status_code != 200 or match is None:
                page.failure(f"no login form (HTTP {page.status_code})")
                self.stop()
                return
        form = {
            "csrfmiddlewaretoken": match.group(1),
            "username": login["username"],
            "password": login["password"],
        }
        with self.client.post(
            "/login/", data=form, name="login", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302 or "login" in response.headers.get("Location", ""):
                response.failure(f"login as {login['username']} failed "
                                 f"(HTTP {response.status_code})")  # fmt: skip
                self.stop()

    def page(self, name: str, path: str) -> None:
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "")
                response.failure(f"HTTP {response.status_code} {where}".strip())

    def pick(self, key: str) -> Any:
        return self.rng.choice(PLAN[key])

    @task(8)
    def queue(self) -> None:
        self.page("queue (default view)", "/tickets/")

    @task(6)
    def queue_filtered(self) -> None:
        self.page(*self.rng.choice(QUEUE_VIEWS))

    @task(3)
    def search(self) -> None:
        self.page("queue search ?q=", f"/tickets/?q={self.pick('searches')}")

    @task(8)
    def open_ticket(self) -> None:
        self.page("ticket page (open)", f"/tickets/{self.pick('open_tickets')}/")

    @task(3)
    def closed_ticket(self) -> None:
        self.page("ticket page (closed)", f"/tickets/{self.pick('closed_tickets')}/")

    @task(4)
    def dashboard(self) -> None:
        self.page("dashboard", "/")

    @task(2)
    def clients(self) -> None:
        self.page("client list", "/clients/")

    @task(3)
    def client(self) -> None:
        self.page("client page", f"/clients/{self.pick('clients')}/")

    @task(2)
    def person(self) -> None:
        self.page("person page", f"/clients/people/{self.pick('people')}/")

    @task(2)
    def happiness(self) -> None:
        self.page("happiness dashboard", "/happiness/")

    @task(1)
    def client_health(self) -> None:
        self.page("happiness client health", "/happiness/clients/")

    @task(2)
    def invoices(self) -> None:
        if self.role in BILLING_ROLES:
            self.page("invoices", "/billing/invoices/")

    @task(1)
    def ageing(self) -> None:
        if self.role in BILLING_ROLES:
            self.page("ageing", "/billing/ageing/")

    @task(2)
    def calendar(self) -> None:
        self.page("calendar", "/calendar/")
