from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone

from goodwill.billing.models import BillingProfile, Invoice, PaymentMethod
from goodwill.clients.models import Client
from goodwill.contracts.forms import BootstrapMixin
from goodwill.core.money import currency_choices

MONEY = {"max_digits": 12, "decimal_places": 2}


class LineForm(BootstrapMixin, forms.Form):
    description = forms.CharField(max_length=300)
    quantity = forms.DecimalField(max_digits=10, decimal_places=2, initial=Decimal("1"))
    unit_price = forms.DecimalField(label="Unit price (net)", **MONEY)
    tax_rate = forms.DecimalField(
        label="Tax %", max_digits=5, decimal_places=2, min_value=Decimal("0"),
        max_value=Decimal("100"),
    )

    def clean_quantity(self) -> Decimal:
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise forms.ValidationError("A line needs a quantity other than zero.")
        return quantity


class OneOffForm(LineForm):
    client = forms.ModelChoiceField(queryset=Client.objects.filter(is_active=True))
    currency = forms.ChoiceField(choices=currency_choices)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["client", "currency", "description", "quantity", "unit_price", "tax_rate"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].initial = settings.GOODWILL_CURRENCY
        self.fields["tax_rate"].initial = Decimal(settings.GOODWILL_BILLING_TAX_RATE)


class PaymentForm(BootstrapMixin, forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.all())
    amount = forms.DecimalField(min_value=Decimal("0.01"), **MONEY)
    currency = forms.ChoiceField(choices=currency_choices)
    received_on = forms.DateField(
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    method = forms.ChoiceField(choices=PaymentMethod.choices, initial=PaymentMethod.BANK)
    reference = forms.CharField(max_length=200, required=False)
    invoice = forms.ModelChoiceField(
        queryset=Invoice.objects.none(),
        required=False,
        help_text="Leave empty to pay the oldest open invoices first; any rest stays as credit.",
    )

    def __init__(self, *args, invoice: Invoice | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["currency"].initial = settings.GOODWILL_CURRENCY
        from goodwill.billing.reports import open_invoices

        self.fields["invoice"].queryset = open_invoices().select_related("client")
        self.fields["invoice"].label_from_instance = (
            lambda i: f"{i.number} · {i.client.name} · {i.balance} {i.currency} open"
        )
        if invoice is not None:
            self.fields["client"].initial = invoice.client_id
            self.fields["invoice"].initial = invoice.pk
            self.fields["amount"].initial = invoice.balance
            self.fields["currency"].initial = invoice.currency

    def clean(self) -> dict:
        data = super().clean()
        invoice, client = data.get("invoice"), data.get("client")
        if invoice and client and invoice.client_id != client.pk:
            self.add_error("invoice", f"{invoice.number} is not an invoice of {client.name}.")
        if invoice and data.get("currency") and invoice.currency != data["currency"]:
            self.add_error("currency", f"{invoice.number} is in {invoice.currency}.")
        return data


class DisputeForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        max_length=300, required=False, label="What the client disputes",
        widget=forms.TextInput(attrs={"placeholder": "e.g. the March visit did not happen"}),
    )


class CreditForm(BootstrapMixin, forms.Form):
    amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"),
        help_text="Gross amount to credit; leave empty to credit the whole invoice.", **MONEY,
    )
    reason = forms.CharField(max_length=300)


class ProfileForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = BillingProfile
        fields = [
            "tax_rate", "vat_number", "billing_address", "payment_terms_days", "hourly_rate",
            "auto_issue",
        ]  # fmt: skip
        widgets = {"billing_address": forms.Textarea(attrs={"rows": 3})}


class BankUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label="Bank statement (CSV)",
        help_text="Columns named Date, Amount and Reference (or Description). "
        "Nothing is recorded until you confirm the preview.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 5 MB; split the statement.")
        return upload
