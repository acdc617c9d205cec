"""The form for a preventive-maintenance schedule."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import Model, Q, QuerySet

from goodwill.accounts.models import User
from goodwill.clients.models import Client, Person
from goodwill.desk.forms_assets import ClientScopedForm
from goodwill.desk.models import RecurringTicket


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class RecurringTicketForm(ClientScopedForm):
    scoped_messages: ClassVar[dict[str, str]] = {
        "requester": "Pick someone who works at {client}.",
    }

    class Meta:
        model = RecurringTicket
        fields = [
            "client",
            "requester",
            "subject",
            "body",
            "priority",
            "category",
            "assignee",
            "frequency",
            "next_due_at",
            "active",
        ]
        widgets = {"next_due_at": DateTimeInput(), "body": forms.Textarea(attrs={"rows": 4})}
        labels = {
            "requester": "On behalf of",
            "body": "What to do",
            "assignee": "Assign to",
            "frequency": "Repeats",
            "next_due_at": "Next due",
            "active": "Active: raise tickets on schedule",
        }
        help_texts = {
            "requester": "The client's contact the ticket is raised for.",
            "body": "The checklist that goes into every ticket.",
            "next_due_at": (
                "The ticket is opened at this date and time, then every period after it. "
                "On the 29th–31st, shorter months use their last day, and a schedule on a "
                "month's last day stays on the last day."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(is_active=True).exclude(role="")
        self.fields["assignee"].empty_label = "Nobody yet"
        if not self.instance.pk:
            self.fields["next_due_at"].label = "First due"

    def scoped_queryset(self, name: str, client: Client) -> QuerySet[Model]:
        # People who still work there, and whoever the schedule already names.
        current = Q(pk=self.instance.requester_id) if self.instance.requester_id else Q()
        return Person.objects.filter(client=client).filter(Q(is_active=True) | current)
