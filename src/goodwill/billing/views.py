"""Billing pages: thin views over billing.services, reports, bank and exports."""

from __future__ import annotations

import base64
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.accounts.permissions import staff_required
from goodwill.billing import bank, exports, reports, services
from goodwill.billing.forms import (
    BankUploadForm,
    CreditForm,
    DisputeForm,
    LineForm,
    OneOffForm,
    PaymentForm,
    ProfileForm,
)
from goodwill.billing.models import (
    BillingTask,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
)
from goodwill.clients.models import Client

PAGE_SIZE = 50
SESSION_BANK_FILE = "billing_bank_file"


def _filtered_invoices(request: HttpRequest):
    today = timezone.localdate()
    invoices = Invoice.objects.select_related("client", "contract")
    status = request.GET.get("status", "")
    if status == "open":
        invoices = invoices.filter(status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID))
    elif status in InvoiceStatus.values:
        invoices = invoices.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind in InvoiceKind.values:
        invoices = invoices.filter(kind=kind)
    client = request.GET.get("client", "")
    if client.isdigit():
        invoices = invoices.filter(client_id=int(client))
    if request.GET.get("overdue"):
        invoices = invoices.filter(
            pk__in=services.overdue_invoices(today).values("pk")
        )
    age = request.GET.get("age", "")
    if age in reports.BUCKET_KEYS:
        invoices = invoices.filter(pk__in=reports.open_invoices().values("pk")).filter(
            reports.bucket_filter(age, today)
        )
    if request.GET.get("disputed"):
        invoices = invoices.filter(disputed=True)
    return invoices, {
        "status": status, "kind": kind, "client": client, "age": age,
        "overdue": bool(request.GET.get("overdue")), "disputed": bool(request.GET.get("disputed")),
    }  # fmt: skip


@staff_required("billing.view")
def invoice_list(request: HttpRequest) -> HttpResponse:
    invoices, filters = _filtered_invoices(request)
    totals = list(
        invoices.exclude(status__in=(InvoiceStatus.DRAFT, InvoiceStatus.VOID))
        .values("currency")
        .annotate(total=Sum("total"), balance=Sum("balance"), count=Count("id"))
        .order_by("currency")
    )
    page = Paginator(invoices.order_by("-issue_date", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    filter_client = None
    if filters["client"]:
        filter_client = Client.objects.filter(pk=int(filters["client"])).first()
    return render(
        request,
        "billing/invoice_list.html",
        {
            "page": page,
            "filters": filters,
            "filter_client": filter_client,
            "totals": totals,
            "statuses": InvoiceStatus.choices,
            "kinds": InvoiceKind.choices,
            "buckets": reports.BUCKETS,
            "today": today,
            "clients": Client.objects.filter(
                pk__in=Invoice.objects.values("client_id")
            ).only("pk", "name"),
            "draft_count": Invoice.objects.filter(status=InvoiceStatus.DRAFT).count(),
            "overdue_count": services.overdue_invoices(today).count(),
            "tasks": BillingTask.objects.filter(done_at__isnull=True)
            .select_related("invoice", "client", "assigned_to")[:20],
            "query": request.GET.urlencode(),
        },
    )


@staff_required("billing.view")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(
        Invoice.objects.select_related("client", "contract", "recipient", "credits"), pk=pk
    )
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.all(),
            "allocations": reports.allocations_for(invoice),
            "applied": invoice.applied.select_related("invoice") if invoice.is_credit else [],
            "credit_notes": invoice.credit_notes.all(),
            "reminders": invoice.reminders.select_related("recipient"),
            "tasks": invoice.tasks.select_related("assigned_to"),
            "line_form": LineForm(initial={"tax_rate": _default_rate(invoice)}),
            "payment_form": PaymentForm(invoice=invoice) if invoice.is_open else None,
            "dispute_form": DisputeForm(initial={"note": invoice.dispute_note}),
            "credit_form": CreditForm(prefix="credit"),
            "today": timezone.localdate(),
        },
    )


def _default_rate(invoice: Invoice) -> Decimal:
    return services.profile_for(invoice.client).tax_rate


def _back(invoice: Invoice) -> HttpResponse:
    return redirect("billing:invoice", pk=invoice.pk)


@require_POST
@staff_required("billing.edit")
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        invoice = services.issue(invoice)
    except services.BillingError as error:
        messages.error(request, str(error))
    else:
        sent = f" and e-mailed to {invoice.recipient_email}" if invoice.recipient_email else ""
        messages.success(request, f"Issued {invoice.number}{sent}.")
        if invoice.recipient_warning:
            messages.warning(request, invoice.recipient_warning)
    return _back(invoice)


@require_POST
@staff_required("billing.edit")
def invoice_void(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        services.void(invoice)
        messages.success(request, f"{invoice.label} is void.")
    except services.BillingError as error:
        messages.error(request, str(error))
    return _back(invoice)


@require_POST
@staff_required("billing.edit")
def invoice_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    form = DisputeForm(request.POST)
    opening = request.POST.get("disputed") == "1"
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.set_dispute(invoice, opening, note)
    if opening:
        messages.success(request, "Dispute recorded: reminders are paused.")
    else:
        messages.success(request, "Dispute closed: reminders resume.")
    return _back(invoice)


@require_POST
@staff_required("billing.edit")
def invoice_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    form = LineForm(request.POST)
    if form.is_valid():
        try:
            services.add_line(invoice, services.LineInput(**form.cleaned_data))
        except services.BillingError as error:
            messages.error(request, str(error))
    else:
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"The line was not added. {errors}")
    return _back(invoice)


@require_POST
@staff_required("billing.edit")
def invoice_line_delete(request: HttpRequest, pk: int, line: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        services.delete_line(invoice, line)
    except services.BillingError as error:
        messages.error(request, str(error))
    return _back(invoice)


@require_POST
@staff_required("billing.edit")
def invoice_credit(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    form = CreditForm(request.POST, prefix="credit")
    if not form.is_valid():
        messages.error(request, "Say why you are crediting the invoice.")
        return _back(invoice)
    try:
        note = services.create_credit_note(
            invoice, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"]
        )
    except services.BillingError as error:
        messages.error(request, str(error))
        return _back(invoice)
    messages.success(request, "Draft credit note created: check it, then issue it.")
    return _back(note)


@staff_required("billing.view")
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.select_related("client"), pk=pk)
    response = HttpResponse(services.invoice_pdf(invoice), content_type="application/pdf")
    name = invoice.number or f"draft-{invoice.pk}"
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@staff_required("billing.edit")
def invoice_create(request: HttpRequest) -> HttpResponse:
    form = OneOffForm(request.POST or None, initial={"client": request.GET.get("client")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invoice = services.create_draft(
            client=data["client"],
            kind=InvoiceKind.ONE_OFF,
            currency=data["currency"],
            notes=data["notes"],
            lines=[
                services.LineInput(
                    data["description"], data["quantity"], data["unit_price"], data["tax_rate"]
                )
            ],
        )
        messages.success(request, "Draft created. Add more lines or issue it.")
        return _back(invoice)
    return render(request, "billing/invoice_form.html", {"form": form})


# --- Drafts -----------------------------------------------------------------------------------


@staff_required("billing.view")
def drafts(request: HttpRequest) -> HttpResponse:
    rows = (
        Invoice.objects.filter(status=InvoiceStatus.DRAFT)
        .select_related("client", "contract")
        .order_by("client__name", "period_start", "id")
    )
    return render(request, "billing/drafts.html", {"drafts": rows[:500], "count": rows.count()})


@require_POST
@staff_required("billing.edit")
def drafts_issue(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("invoice") if v.isdigit()]
    issued, problems = 0, []
    for invoice in Invoice.objects.filter(pk__in=ids, status=InvoiceStatus.DRAFT).order_by(
        "period_start", "id"
    ):
        try:
            services.issue(invoice)
            issued += 1
        except services.BillingError as error:
            problems.append(f"{invoice.label}: {error}")
    if issued:
        messages.success(request, f"Issued {issued} invoice{'s' if issued != 1 else ''}.")
    for problem in problems:
        messages.error(request, problem)
    if not ids:
        messages.warning(request, "Tick the drafts to issue first.")
    return redirect("billing:drafts")


@require_POST
@staff_required("billing.edit")
def run_now(request: HttpRequest) -> HttpResponse:
    from goodwill.billing.run import run_invoicing

    created = run_invoicing(timezone.localdate())
    messages.success(
        request,
        f"{created} new draft{'s' if created != 1 else ''}." if created else
        "Nothing new to invoice: every period due already has its invoice.",
    )
    return redirect("billing:drafts")


# --- Payments -----------------------------------------------------------------------------------


@staff_required("billing.view")
def payment_list(request: HttpRequest) -> HttpResponse:
    payments = Payment.objects.select_related("client").prefetch_related("allocations__invoice")
    client = request.GET.get("client", "")
    if client.isdigit():
        payments = payments.filter(client_id=int(client))
    if request.GET.get("unallocated"):
        payments = payments.filter(allocated__lt=F("amount"))
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "billing/payment_list.html", {"page": page, "client": client})


@staff_required("billing.edit")
def payment_create(request: HttpRequest) -> HttpResponse:
    invoice = None
    if request.GET.get("invoice", "").isdigit():
        invoice = Invoice.objects.filter(pk=int(request.GET["invoice"])).first()
    form = PaymentForm(request.POST or None, invoice=invoice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        allocations = None
        if data["invoice"]:
            part = min(data["amount"], data["invoice"].balance)
            allocations = [(data["invoice"], part)]
        try:
            payment = services.record_payment(
                client=data["client"], amount=data["amount"], currency=data["currency"],
                received_on=data["received_on"], reference=data["reference"],
                method=data["method"], allocations=allocations, by=request.user,
            )  # fmt: skip
        except services.BillingError as error:
            form.add_error(None, str(error))
        else:
            credit = payment.unallocated
            text = f"Payment of {payment.amount} {payment.currency} recorded."
            if credit:
                text += f" {credit} {payment.currency} stays on account as credit."
            messages.success(request, text)
            if data["invoice"]:
                return _back(data["invoice"])
            return redirect("billing:payments")
    return render(request, "billing/payment_form.html", {"form": form, "invoice": invoice})


@staff_required("billing.edit")
def bank_import(request: HttpRequest) -> HttpResponse:
    form = BankUploadForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        try:
            preview = bank.preview(content)
        except bank.BankFileError as error:
            form.add_error("file", str(error))
        else:
            request.session[SESSION_BANK_FILE] = base64.b64encode(content).decode()
    return render(request, "billing/bank_import.html", {"form": form, "preview": preview})


@require_POST
@staff_required("billing.edit")
def bank_import_commit(request: HttpRequest) -> HttpResponse:
    encoded = request.session.pop(SESSION_BANK_FILE, None)
    if not encoded:
        messages.error(request, "Upload the statement again: the preview has expired.")
        return redirect("billing:bank_import")
    created, result = bank.commit(base64.b64decode(encoded), by=request.user)
    messages.success(
        request,
        f"Recorded {created} payment{'s' if created != 1 else ''}; "
        f"{len(result.unmatched)} row{'s' if len(result.unmatched) != 1 else ''} left for you.",
    )
    return redirect("billing:payments")


# --- Reports and exports ------------------------------------------------------------------------


@staff_required("billing.view")
def ageing(request: HttpRequest) -> HttpResponse:
    report = reports.ageing()
    currencies = sorted(report.totals)
    return render(
        request,
        "billing/ageing.html",
        {
            "report": report,
            "buckets": reports.BUCKETS,
            "totals": [
                (cur, [(k, report.totals[cur][k]) for k in reports.BUCKET_KEYS],
                 sum(report.totals[cur].values(), Decimal("0")))
                for cur in currencies
            ],
            "chart": report.chart(currencies[0]) if currencies else None,
        },
    )


@staff_required("reports.view")
def revenue(request: HttpRequest) -> HttpResponse:
    rows = reports.revenue_by_client()
    history = reports.mrr_history()
    currency = history["currency"]
    home = [r for r in rows if r.currency == currency]
    mrr = sum((r.mrr for r in home), Decimal("0"))
    at_risk = sum((r.mrr for r in home if r.at_risk), Decimal("0"))
    return render(
        request,
        "billing/revenue.html",
        {
            "rows": rows[:200],
            "history": history,
            "currency": currency,
            "mrr": mrr,
            "arr": mrr * 12,
            "at_risk": at_risk,
            "renewals": reports.renewals_due()[:50],
        },
    )


@staff_required("billing.view")
def statement(request: HttpRequest, client_pk: int) -> HttpResponse:
    from goodwill.billing.pdf import render_statement
    from goodwill.core.money import validate_currency

    client = get_object_or_404(Client, pk=client_pk)
    currency = request.GET.get("currency") or services.profile_currency(client)
    try:
        validate_currency(currency)
    except Exception:
        currency = services.profile_currency(client)
    today = timezone.localdate()
    content = render_statement(
        client, reports.statement_rows(client, currency), today, currency
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{client.pk}-{today}.pdf"'
    return response


EXPORTS = {
    "invoices": ("invoices", exports.invoices_csv),
    "payments": ("payments", exports.payments_csv),
    "xero": ("xero-invoices", exports.xero_csv),
    "quickbooks": ("quickbooks-invoices", exports.qbo_csv),
}


@staff_required("billing.view")
def export(request: HttpRequest, layout: str) -> HttpResponse:
    if layout not in EXPORTS:
        return HttpResponse(status=404)
    name, build = EXPORTS[layout]
    if layout == "payments":
        rows = Payment.objects.select_related("client").prefetch_related("allocations__invoice")
    else:
        rows, _ = _filtered_invoices(request)
        if layout != "invoices":
            rows = rows.exclude(status__in=(InvoiceStatus.DRAFT, InvoiceStatus.VOID))
        rows = rows.prefetch_related("lines").order_by("issue_date", "id")
    response = HttpResponse(build(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


# --- Client billing -------------------------------------------------------------------------------


@staff_required("billing.view")
def client_billing(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=client_pk)
    profile = services.profile_for(client)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST":
        from goodwill.accounts.permissions import can, not_allowed

        if not can(request.user, "billing.edit"):
            return not_allowed(request, "billing.edit")
        if form.is_valid():
            form.save()
            messages.success(request, "Billing settings saved.")
            return redirect("billing:client", client_pk=client.pk)
    return render(
        request,
        "billing/client_billing.html",
        {
            "client": client,
            "form": form,
            "balance": services.client_balance(client),
            "recipient": services.billing_recipient(client),
            "invoices": client.invoices.select_related("contract").order_by("-id")[:50],
            "payments": client.payments.all()[:20],
            "today": timezone.localdate(),
        },
    )


@require_POST
@staff_required("billing.edit")
def reminder_send(request: HttpRequest, pk: int) -> HttpResponse:
    from goodwill.billing.models import ReminderLedger
    from goodwill.billing.reminders import send_held_reminder

    row = get_object_or_404(ReminderLedger, pk=pk)
    try:
        send_held_reminder(row)
    except services.BillingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Reminder {row.level} queued for the financial director.")
    return redirect("billing:invoice", pk=row.invoice_id)


@require_POST
@staff_required("billing.edit")
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    from goodwill.billing.reminders import complete_task

    task = get_object_or_404(BillingTask, pk=pk)
    complete_task(task)
    messages.success(request, "Marked as done.")
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("billing:invoices")

