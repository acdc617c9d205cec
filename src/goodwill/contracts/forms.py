from __future__ import annotations

from typing import Any

import holidays as holidays_lib
from babel import Locale
from django import forms
from django.forms import inlineformset_factory

from goodwill.clients.models import Client, Site
from goodwill.contracts.models import (
    BusinessCalendar,
    BusinessHours,
    Closure,
    Contract,
    ContractState,
    SLAPolicy,
    SLATarget,
)
from goodwill.contracts.services import (
    STATE_HELP,
    default_contract_dates,
    format_minutes,
    parse_minutes,
    validate_contract_sites,
)
from goodwill.core.choices import Priority
from goodwill.core.money import currency_choices
from goodwill.core.timezones import time_zone_choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class BootstrapMixin:
    """Give every widget its Bootstrap class, and mark fields with errors as invalid."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        if self.is_bound:  # type: ignore[attr-defined]
            self.style_fields()

    def style_fields(self) -> None:
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            # Read _errors, not errors: that would validate before formsets add their fields.
            errors = self._errors or {}  # type: ignore[attr-defined]
            if name in errors:
                css += " is-invalid"
            widget.attrs["class"] = css


# ---------------------------------------------------------------------------------------------
# Contracts


class ContractForm(BootstrapMixin, forms.ModelForm):
    currency = forms.ChoiceField(choices=currency_choices)
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.select_related("client"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to cover every site of the client.",
    )

    class Meta:
        model = Contract
        fields = [
            "client",
            "name",
            "state",
            "start_date",
            "term_months",
            "end_date",
            "renewal_date",
            "notice_days",
            "auto_renew",
            "fee",
            "currency",
            "billing_cycle",
            "included_hours",
            "sites",
            "seats",
            "sla_policy",
            "notes",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "renewal_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "term_months": "Term (months)",
            "notice_days": "Notice (days)",
            "sla_policy": "SLA policy",
            "auto_renew": "Renews automatically",
        }

    def __init__(self, *args: Any, client: Client | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.order_by("name")
        if client is not None:
            self.initial["client"] = client.pk
        self.fields["end_date"].required = False
        self.fields["renewal_date"].required = False
        self.fields[
            "end_date"
        ].help_text = (
            "Leave empty to end the day before the term's anniversary (start + term − 1 day)."
        )
        self.fields[
            "renewal_date"
        ].help_text = "When it renews or must be renegotiated. Leave empty to use the end date."
        self.fields["state"].help_text = "; ".join(
            f"{label}: {STATE_HELP[ContractState(value)]}" for value, label in ContractState.choices
        )
        self.fields["state"].help_text += ". Renewal due and lapsed follow from the dates."
        self.fields["sla_policy"].empty_label = "No SLA"
        currencies = dict(currency_choices())
        if self.instance.currency and self.instance.currency not in currencies:
            currencies[self.instance.currency] = self.instance.currency
        self.fields["currency"].choices = list(currencies.items())
        self.client_sites = self._client_sites()
        # Validation accepts any site so that a site of another client gets a clear message;
        # the checkboxes offer the chosen client's sites only.
        self.fields["sites"].widget.choices = [(site.pk, site.name) for site in self.client_sites]

    def _client_sites(self) -> list[Site]:
        client_id = self["client"].value()
        if not client_id:
            return []
        try:
            return list(Site.objects.filter(client_id=int(client_id)))
        except (TypeError, ValueError):
            return []

    @property
    def selected_site_ids(self) -> set[int]:
        values = self["sites"].value() or []
        return {int(v) for v in values if str(v).isdigit()}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, term = data.get("start_date"), data.get("term_months")
        if start and term:
            data["end_date"], data["renewal_date"] = default_contract_dates(
                start, term, data.get("end_date"), data.get("renewal_date")
            )
        client, sites = data.get("client"), data.get("sites")
        if client and sites:
            try:
                validate_contract_sites(client, sites)
            except forms.ValidationError as error:
                self.add_error(None, error)
        return data


# ---------------------------------------------------------------------------------------------
# SLA policies


class MinutesField(forms.CharField):
    """Business time entered as minutes or hours ('90', '4h', '1 h 30 min'), stored as minutes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "text", "size": 8}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return format_minutes(value)
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            minutes = parse_minutes(value)
        except ValueError:
            raise forms.ValidationError(
                "Enter minutes or hours, e.g. 45, 45 min, 4 h or 1 h 30 min.", code="invalid"
            ) from None
        if minutes < 1:
            raise forms.ValidationError("Enter at least one minute.", code="min_value")
        return minutes


class SLAPolicyForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = SLAPolicy
        fields = ["name", "description", "calendar"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"calendar": "Business hours"}
        help_texts = {"calendar": "The SLA clock runs only in these hours."}


class SLATargetForm(BootstrapMixin, forms.ModelForm):
    first_response_minutes = MinutesField(label="First response")
    resolution_minutes = MinutesField(label="Resolution")
    key_first_response_minutes = MinutesField(label="Key people: first response", required=False)
    key_resolution_minutes = MinutesField(label="Key people: resolution", required=False)

    class Meta:
        model = SLATarget
        fields = (
            "priority",
            "first_response_minutes",
            "resolution_minutes",
            "key_first_response_minutes",
            "key_resolution_minutes",
        )
        widgets = {"priority": forms.HiddenInput}

    def priority_label(self) -> str:
        value = self["priority"].value()
        return Priority(value).label if value in Priority.values else str(value)


class BaseSLATargetFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        seen = [form.cleaned_data.get("priority") for form in self.forms if form.cleaned_data]
        missing = [p for p in Priority.values if p not in seen]
        if missing or len(seen) != len(set(seen)):
            raise forms.ValidationError(
                "Give exactly one target for each priority (missing: %(missing)s).",
                params={"missing": ", ".join(missing) or "none"},
            )


SLATargetFormSet = inlineformset_factory(
    SLAPolicy,
    SLATarget,
    form=SLATargetForm,
    formset=BaseSLATargetFormSet,
    extra=0,
    min_num=len(Priority.values),
    max_num=len(Priority.values),
    validate_min=True,
    validate_max=True,
    can_delete=False,
)


def sla_targets_formset(policy: SLAPolicy, data: Any = None) -> forms.BaseInlineFormSet:
    """One row per priority, in order: the policy's targets, then blanks for missing priorities."""
    have = set(policy.targets.values_list("priority", flat=True)) if policy.pk else set()
    initial = [{"priority": p} for p in Priority.values if p not in have]
    return SLATargetFormSet(data, instance=policy, prefix="targets", initial=initial)


# ---------------------------------------------------------------------------------------------
# Business-hours calendars


def country_options() -> list[tuple[str, str]]:
    """Countries the holidays package knows, with their English names, for a datalist."""
    territories = Locale("en").territories
    codes = sorted(holidays_lib.list_supported_countries())
    return [(code, territories.get(code, code)) for code in codes]


class CalendarForm(BootstrapMixin, forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices, label="Time zone")

    class Meta:
        model = BusinessCalendar
        fields = ["name", "time_zone", "country", "subdivision"]
        labels = {"country": "Holiday country", "subdivision": "Holiday region"}
        widgets = {
            "country": forms.TextInput(attrs={"list": "gw-countries", "autocomplete": "off"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].help_text = "ISO code, e.g. GB, IE, DE, US. Leave empty for none."
        self.fields[
            "subdivision"
        ].help_text = (
            "For regional holidays, e.g. ENG, SCT, WLS or NIR in GB. Leave empty for national only."
        )


class BusinessHoursForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = BusinessHours
        fields = ("weekday", "opens", "closes")  # a tuple: formsets append to lists
        widgets = {"opens": TimeInput(), "closes": TimeInput()}

    def has_changed(self) -> bool:
        # Rows prefilled on a new calendar count as entered; a row without times is blank.
        if self.instance.pk is None and self.is_bound:
            return any(self.data.get(self.add_prefix(f)) for f in ("opens", "closes"))
        return super().has_changed()


class ClosureForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Closure
        fields = ("name", "start_date", "end_date")
        widgets = {"start_date": DateInput(), "end_date": DateInput()}
        labels = {"start_date": "First day", "end_date": "Last day"}


HoursFormSet = inlineformset_factory(
    BusinessCalendar, BusinessHours, form=BusinessHoursForm, extra=2, can_delete=True
)
ClosureFormSet = inlineformset_factory(
    BusinessCalendar, Closure, form=ClosureForm, extra=2, can_delete=True
)

OFFICE_HOURS = [{"weekday": day, "opens": "09:00", "closes": "17:30"} for day in range(5)]


def hours_formset(calendar: BusinessCalendar, data: Any = None) -> forms.BaseInlineFormSet:
    """Weekly hours; a new calendar starts with Monday to Friday, 09:00 to 17:30."""
    if calendar.pk is None:
        formset_class = inlineformset_factory(
            BusinessCalendar,
            BusinessHours,
            form=BusinessHoursForm,
            extra=len(OFFICE_HOURS) + 2,
            can_delete=True,
        )
        return formset_class(data, instance=calendar, prefix="hours", initial=OFFICE_HOURS)
    return HoursFormSet(data, instance=calendar, prefix="hours")


def closures_formset(calendar: BusinessCalendar, data: Any = None) -> forms.BaseInlineFormSet:
    return ClosureFormSet(data, instance=calendar, prefix="closures")
