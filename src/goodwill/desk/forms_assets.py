"""Forms for devices, and the base for forms whose choices belong to one client."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import Model, QuerySet

from goodwill.clients.importing import MAX_UPLOAD_BYTES, ImportFileError, check_file_name
from goodwill.clients.models import Client, Person, Site
from goodwill.contracts.models import Contract
from goodwill.desk.assets import serial_owner
from goodwill.desk.models import Asset


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class ClientScopedForm(forms.ModelForm):
    """A form with a client field whose other choices (sites, people…) are that client's only.

    The client comes from the submitted data, then the `client` argument (the page reloads
    the dependent fields with ?client= when the client changes), then the instance. A choice
    from another client is refused with the message in `scoped_messages`.
    """

    scoped_messages: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, client: Client | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.order_by("name")
        self.client = self._chosen_client(client)
        if client is not None and not self.is_bound:
            self.initial["client"] = client.pk
        for name, message in self.scoped_messages.items():
            field = self.fields[name]
            field.queryset = (
                self.scoped_queryset(name, self.client) if self.client else field.queryset.none()
            )
            client_name = str(self.client) if self.client else "the client"
            field.error_messages["invalid_choice"] = message.format(client=client_name)

    def _chosen_client(self, given: Client | None) -> Client | None:
        if self.is_bound:
            value = self.data.get(self.add_prefix("client"), "")
            return Client.objects.filter(pk=value).first() if str(value).isdigit() else None
        if given is not None:
            return given
        if self.instance.pk and self.instance.client_id:
            return self.instance.client
        return None

    def scoped_queryset(self, name: str, client: Client) -> QuerySet[Model]:
        raise NotImplementedError


def _contract_label(contract: Contract) -> str:
    start = contract.start_date
    return f"{contract.name}, from {start.day} {start:%b %Y}"


class AssetForm(ClientScopedForm):
    scoped_messages: ClassVar[dict[str, str]] = {
        "site": "Pick one of {client}'s sites.",
        "contract": "Pick one of {client}'s contracts.",
        "assigned_to": "Pick someone who works at {client}.",
    }

    class Meta:
        model = Asset
        fields = [
            "client",
            "name",
            "asset_type",
            "serial",
            "site",
            "contract",
            "assigned_to",
            "warranty_end",
            "notes",
        ]
        widgets = {"warranty_end": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "asset_type": "Type",
            "serial": "Serial number",
            "assigned_to": "Used by",
            "warranty_end": "Warranty ends",
        }
        help_texts = {
            "name": "What people call it, e.g. RECEPTION-PC or “Back office printer”.",
            "serial": "Unique for this client; leave empty if unknown.",
            "contract": "The contract that covers it; new devices get the one in force.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].empty_label = "No particular site"
        self.fields["assigned_to"].empty_label = "Nobody in particular"
        self.fields["contract"].empty_label = "Not covered"
        self.fields["contract"].label_from_instance = _contract_label  # type: ignore[attr-defined]

    def scoped_queryset(self, name: str, client: Client) -> QuerySet[Model]:
        if name == "site":
            return Site.objects.filter(client=client)
        if name == "contract":
            return Contract.objects.filter(client=client).order_by("-start_date")
        return Person.objects.filter(client=client).order_by("first_name", "last_name")

    def clean_serial(self) -> str:
        return self.cleaned_data["serial"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        client, serial = data.get("client"), data.get("serial", "")
        if client and serial:
            owner = serial_owner(client, serial, exclude_pk=self.instance.pk)
            if owner is not None:
                self.add_error(
                    "serial", f"{client} already has a device with this serial: {owner}."
                )
        # A field with an error is left out of the model's constraint checks, so the serial
        # rule is not repeated at the top of the form.
        return data


class AssetImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="A .csv or .xlsx file, one row per device, at most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            check_file_name(upload.name or "")
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"This file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Split it into smaller files."
            )
        return upload
