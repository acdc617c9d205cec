"""Forms of the ticket page and the new-ticket page.

They read and check what people typed; the changes themselves are made by desk.services, whose
TicketErrors are put back on these forms next to the field they concern.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from goodwill.clients.models import Client, Person, Site
from goodwill.contracts.forms import BootstrapMixin, DateInput
from goodwill.contracts.services import parse_minutes
from goodwill.core.choices import Priority
from goodwill.desk.models import (
    OPEN_STATUSES,
    Asset,
    Category,
    Channel,
    Impact,
    Ticket,
    TicketStatus,
    Urgency,
    priority_for,
)
from goodwill.desk.ticket_page import size_text, workers


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a TicketError next to its field, or at the top when the form has no such field."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def split_tags(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,;\n]", text) if t.strip()]


# --- Files ----------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def check_sizes(files: Sequence[UploadedFile]) -> None:
    limit = settings.GOODWILL_MAX_ATTACHMENT_BYTES
    too_big = [f for f in files if (f.size or 0) > limit]
    if too_big:
        raise ValidationError(
            [
                f"{f.name} is {size_text(f.size or 0)}: files can be at most {size_text(limit)}."
                for f in too_big
            ]
        )


# --- The composer ---------------------------------------------------------------------------


class Mode:
    REPLY = "reply"
    NOTE = "note"
    CLIENT = "client"
    CHOICES = (
        (REPLY, "Reply"),
        (NOTE, "Internal note"),
        (CLIENT, "Their answer"),
    )


# What "send and set status" may set; the controls offer every status.
THEN_STATUSES = [("", "Keep the status"), *TicketStatus.choices]


class ComposerForm(forms.Form):
    mode = forms.ChoiceField(choices=Mode.CHOICES, initial=Mode.REPLY, widget=forms.RadioSelect)
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Message",
    )
    files = MultipleFileField(required=False, label="Files")
    then_status = forms.ChoiceField(choices=THEN_STATUSES, required=False)

    def clean_files(self) -> list[UploadedFile]:
        files = self.cleaned_data.get("files") or []
        check_sizes(files)
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("files"):
            if data.get("mode") == Mode.NOTE:
                self.add_error("body", "The note is empty.")
            else:
                self.add_error("body", "Write a reply or attach a file.")
        return data


# --- Status, priority, assignee, tags -------------------------------------------------------


class TicketUpdateForm(forms.Form):
    """Each control posts only its own field; only the fields present are applied."""

    status = forms.ChoiceField(choices=TicketStatus.choices, required=False)
    priority = forms.ChoiceField(choices=Priority.choices, required=False)
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody")
    tags = forms.CharField(required=False, max_length=500)

    FIELDS = ("status", "priority", "assignee", "tags")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers()
        self.fields["status"].error_messages["invalid_choice"] = (
            "%(value)s is not a status: pick one of " + ", ".join(TicketStatus.labels) + "."
        )
        self.fields["priority"].error_messages["invalid_choice"] = (
            "%(value)s is not a priority: pick P1, P2, P3 or P4."
        )
        self.fields["assignee"].error_messages["invalid_choice"] = (
            "Pick someone on the team who works tickets."
        )

    @property
    def present(self) -> list[str]:
        return [name for name in self.FIELDS if name in self.data]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.present:
            raise ValidationError("Nothing to change.")
        for name in ("status", "priority"):
            if name in self.present and not data.get(name) and name not in self.errors:
                self.add_error(name, f"Pick a {name}.")
        if "tags" in data:
            data["tag_list"] = split_tags(data["tags"])
            if any(len(t) > 50 for t in data["tag_list"]):
                self.add_error("tags", "A tag can be at most 50 characters.")
        return data


# --- Time -----------------------------------------------------------------------------------


class TimeForm(BootstrapMixin, forms.Form):
    minutes = forms.CharField(
        label="Time spent",
        max_length=20,
        help_text="Minutes (90) or hours and minutes (1h 30m).",
        widget=forms.TextInput(attrs={"placeholder": "1h 30m", "autocomplete": "off"}),
    )
    billable = forms.TypedChoiceField(
        label="Charged as",
        choices=[("0", "Covered by the contract"), ("1", "Billable")],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(max_length=255, required=False, label="What was done")
    work_date = forms.DateField(label="Date", widget=DateInput())

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("work_date", timezone.localdate())
        if ticket.contract_id is None:
            kwargs["initial"].setdefault("billable", "1")
        super().__init__(*args, **kwargs)
        self.ticket = ticket

    def clean_minutes(self) -> int:
        text = self.cleaned_data["minutes"].strip()
        if text.startswith("-"):
            raise ValidationError("Time spent can't be negative.")
        try:
            minutes = parse_minutes(text)
        except ValueError:
            raise ValidationError(
                f"“{text}” is not a duration: write minutes (90) or hours and minutes (1h 30m)."
            ) from None
        if minutes <= 0:
            raise ValidationError("Log at least one minute.")
        return minutes

    def clean_work_date(self) -> Any:
        day = self.cleaned_data["work_date"]
        if day > timezone.localdate():
            raise ValidationError("The date is in the future.")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("billable") is False and self.ticket.contract_id is None:
            self.add_error("billable", "No contract covers this ticket, so its time is billable.")
        return data


# --- Merge ----------------------------------------------------------------------------------


class MergeForm(forms.Form):
    target = forms.CharField(label="Merge into", max_length=20)

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket

    def clean_target(self) -> Ticket:
        text = self.cleaned_data["target"].strip().upper().removeprefix("GW-").removeprefix("GW")
        if not text.isdigit():
            raise ValidationError("Write the ticket's reference, like GW-10432.")
        target = Ticket.objects.filter(number=int(text)).select_related("client").first()
        if target is None:
            raise ValidationError(f"There is no ticket GW-{int(text)}.")
        if target.pk == self.ticket.pk:
            raise ValidationError("A ticket cannot be merged into itself.")
        if target.client_id != self.ticket.client_id:
            raise ValidationError(
                f"{target.reference} belongs to {target.client}, not {self.ticket.client}: "
                "only tickets of the same client can be merged."
            )
        if target.status not in OPEN_STATUSES:
            raise ValidationError(f"{target.reference} is {target.get_status_display().lower()}.")
        return target


# --- A new ticket ---------------------------------------------------------------------------


def _person_label(person: Person) -> str:
    return f"{person.full_name} · {person.job_title}" if person.job_title else person.full_name


class TicketCreateForm(BootstrapMixin, forms.Form):
    """Client first; the requester, site and asset lists follow the chosen client.

    The person, site and asset fields accept any row and then check it belongs to the client, so
    a mismatch says so in words instead of "not one of the available choices".
    """

    client = forms.ModelChoiceField(
        queryset=Client.objects.filter(is_active=True).order_by("name"),
        empty_label="Choose a client…",
    )
    requester = forms.ModelChoiceField(
        queryset=Person.objects.select_related("client"),
        label="Requester",
        help_text="Who asked. Their stakeholder role moves the ticket up the queue.",
    )
    subject = forms.CharField(max_length=255)
    body = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What they said, in their words.",
    )
    impact = forms.TypedChoiceField(
        choices=Impact.choices, coerce=int, initial=Impact.LOW, label="Who is affected"
    )
    urgency = forms.TypedChoiceField(
        choices=Urgency.choices, coerce=int, initial=Urgency.MEDIUM, label="How urgent"
    )
    priority = forms.ChoiceField(
        choices=[("", "From impact and urgency"), *Priority.choices],
        required=False,
        label="Priority",
        help_text="Leave it to impact × urgency unless you have a reason.",
    )
    category = forms.ChoiceField(choices=Category.choices, initial=Category.OTHER)
    channel = forms.ChoiceField(
        choices=Channel.choices, initial=Channel.PHONE, label="How it came in"
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.all(), required=False, empty_label="Their usual site"
    )
    asset = forms.ModelChoiceField(
        queryset=Asset.objects.all(), required=False, empty_label="No particular device"
    )
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    tags = forms.CharField(
        required=False, max_length=500, help_text="Separated by commas: vpn, remote access"
    )

    def __init__(self, *args: Any, client: Client | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers()
        self.chosen_client = client
        people: list[tuple[Any, str]] = [("", "Choose who asked…")]
        sites: list[tuple[Any, str]] = [("", "Their usual site")]
        assets: list[tuple[Any, str]] = [("", "No particular device")]
        if client is not None:
            people += [
                (p.pk, _person_label(p))
                for p in client.people.filter(is_active=True).order_by("first_name", "last_name")
            ]
            sites += [(s.pk, s.name) for s in client.sites.order_by("name")]
            assets += [
                (a.pk, f"{a.name} ({a.serial})" if a.serial else a.name)
                for a in client.assets.order_by("name")
            ]
        else:
            people = [("", "Choose a client first")]
        # Only the chosen client's rows are offered; any row is accepted and then checked.
        self.fields["requester"].widget.choices = people
        self.fields["site"].widget.choices = sites
        self.fields["asset"].widget.choices = assets

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        client = data.get("client")
        if client is None:
            return data
        requester = data.get("requester")
        if requester is not None and requester.client_id != client.pk:
            self.add_error(
                "requester", f"{requester.full_name} works at {requester.client}, not {client}."
            )
        site = data.get("site")
        if site is not None and site.client_id != client.pk:
            self.add_error("site", f"{site.name} is a site of {site.client}, not {client}.")
        asset = data.get("asset")
        if asset is not None and asset.client_id != client.pk:
            self.add_error("asset", f"{asset.name} belongs to {asset.client}, not {client}.")
        data["tag_list"] = split_tags(data.get("tags") or "")
        return data

    @property
    def computed_priority(self) -> str:
        """What impact × urgency give, for the page to show beside the override."""
        source = self.data if self.is_bound else {}

        def pick(name: str, default: int) -> int:
            try:
                value = int(source.get(name) or self.initial.get(name) or default)
            except (TypeError, ValueError):
                return default
            return value if value in (1, 2, 3) else default

        return priority_for(pick("impact", int(Impact.LOW)), pick("urgency", int(Urgency.MEDIUM)))
