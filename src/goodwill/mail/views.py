"""Incoming mail for staff: the mail area, the quarantine, triage, and each message as received."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from goodwill.accounts.permissions import staff_required
from goodwill.clients.models import Client
from goodwill.desk.models import Message
from goodwill.mail import intake, services
from goodwill.mail.models import InboundMail, InboundStatus, Undeliverable
from goodwill.mail.parse import parse
from goodwill.mail.quotes import new_text

PAGE_SIZE = 50


@require_GET
@staff_required("mail.view")
def index(request: HttpRequest) -> HttpResponse:
    counts = dict(
        InboundMail.objects.filter(
            status__in=[InboundStatus.QUARANTINED, InboundStatus.TRIAGE, InboundStatus.RECEIVED]
        )
        .values_list("status")
        .annotate(n=Count("id"))
    )
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = InboundMail.objects.filter(received_at__gte=start)
    recent = InboundMail.objects.select_related("ticket", "person", "client").defer("reason")[:25]
    failed_out = None
    try:
        from goodwill.core.models import OutboundMessage, OutboundStatus

        failed_out = OutboundMessage.objects.filter(status=OutboundStatus.FAILED).count()
    except ImportError:  # pragma: no cover - the outbox ships with core
        pass
    return render(
        request,
        "mail/index.html",
        {
            "quarantined": counts.get(InboundStatus.QUARANTINED, 0),
            "triage": counts.get(InboundStatus.TRIAGE, 0),
            "stuck": counts.get(InboundStatus.RECEIVED, 0),
            "today": today.count(),
            "today_tickets": today.filter(status=InboundStatus.TICKET).count(),
            "today_replies": today.filter(status=InboundStatus.REPLY).count(),
            "recent": recent,
            "undeliverable": Undeliverable.objects.count(),
            "failed_out": failed_out,
        },
    )


def _listing(request: HttpRequest, status: str, template: str, extra: dict) -> HttpResponse:
    rows = InboundMail.objects.filter(status=status).select_related("mailbox")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, "status": status, **extra})


@require_GET
@staff_required("mail.view")
def quarantine(request: HttpRequest) -> HttpResponse:
    return _listing(request, InboundStatus.QUARANTINED, "mail/quarantine.html", {})


@require_GET
@staff_required("mail.view")
def triage(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.filter(is_active=True).only("pk", "name").order_by("name")
    return _listing(request, InboundStatus.TRIAGE, "mail/triage.html", {"clients": clients})


@require_GET
@staff_required("mail.view")
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = get_object_or_404(
        InboundMail.objects.select_related("mailbox", "ticket", "person", "client"), pk=pk
    )
    parsed = error = None
    try:
        parsed = parse(intake.read_raw(inbound))
    except Exception as exc:  # noqa: BLE001 - show what we can; the raw is still downloadable
        error = f"{type(exc).__name__}: {exc}"
    headers = []
    if parsed is not None:
        sender = parsed.from_name or parsed.from_address
        reply_text = new_text(parsed.text, sender=sender, html=parsed.html)
        headers = [
            (
                "From",
                f"{parsed.from_name} <{parsed.from_address}>"
                if parsed.from_name
                else parsed.from_address,
            ),  # fmt: skip
            ("Subject", parsed.subject),
            ("Date", parsed.sent_at.isoformat() if parsed.sent_at else ""),
            ("Message-ID", parsed.message_id),
            ("In-Reply-To", " ".join(parsed.in_reply_to)),
            ("Automatic", parsed.automatic),
            ("Defects", ", ".join(parsed.defects)),
        ]
    else:
        reply_text = ""
    clients = []
    if inbound.status == InboundStatus.TRIAGE:
        clients = Client.objects.filter(is_active=True).only("pk", "name").order_by("name")
    return render(
        request,
        "mail/inbound_detail.html",
        {
            "inbound": inbound,
            "parsed": parsed,
            "error": error,
            "headers": [(k, v) for k, v in headers if v],
            "reply_text": reply_text,
            "quoted": parsed is not None and reply_text.strip() != parsed.text.strip(),
            "actionable": inbound.status in services.ACTIONABLE,
            "clients": clients,
            "load_images": request.GET.get("images") == "1",
        },
    )


@require_GET
@staff_required("mail.view")
def message_original(request: HttpRequest, message_pk: int) -> HttpResponse:
    """From a ticket's conversation: the e-mail a message came from."""
    message = get_object_or_404(Message, pk=message_pk)
    inbound = InboundMail.objects.filter(ticket_message=message).first()
    if inbound is None:
        messages.info(request, "That message did not arrive by e-mail, or its original is gone.")
        return redirect(message.ticket)
    return redirect("mail:inbound", pk=inbound.pk)


@require_GET
@staff_required("mail.view")
@xframe_options_sameorigin
def inbound_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML part, sanitised, for a sandboxed iframe on the message page."""
    inbound = get_object_or_404(InboundMail, pk=pk)
    parsed = parse(intake.read_raw(inbound))
    load_images = request.GET.get("images") == "1"
    clean, _ = services.sanitise_html(parsed.html, load_images=load_images)
    response = HttpResponse(
        "<!doctype html><meta charset=utf-8><base target=_blank>"
        "<style>body{font:14px system-ui,sans-serif;margin:.5rem;overflow-wrap:anywhere}"
        "img{max-width:100%;height:auto}</style>" + clean,
        content_type="text/html; charset=utf-8",
    )
    # Belt and braces: even if something slipped through nh3, nothing runs and nothing
    # loads except (when asked) images.
    images = "img-src https: http:;" if load_images else "img-src 'none';"
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; {images} sandbox allow-popups"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required("mail.view")
def inbound_raw(request: HttpRequest, pk: int) -> FileResponse:
    """The message exactly as received, as a download (.eml) — never rendered."""
    inbound = get_object_or_404(InboundMail, pk=pk)
    path = Path(settings.MEDIA_ROOT) / inbound.raw_path
    if not path.is_file():
        raise Http404("The raw message file is missing.")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"message-{inbound.pk}.eml",
        content_type="message/rfc822",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _back(request: HttpRequest, inbound: InboundMail):  # noqa: ANN202
    return redirect("mail:inbound", pk=inbound.pk)


def _result_message(request: HttpRequest, inbound: InboundMail) -> None:
    if inbound.status in (InboundStatus.TICKET, InboundStatus.REPLY):
        verb = "opened" if inbound.status == InboundStatus.TICKET else "added to"
        messages.success(request, f"Processed: {verb} {inbound.ticket.reference}.")
    elif inbound.status == InboundStatus.BOUNCE:
        messages.success(request, "Processed as a bounce.")
    else:
        messages.warning(request, f"Still {inbound.get_status_display().lower()}: {inbound.reason}")


@require_POST
@staff_required("mail.manage")
def inbound_retry(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = get_object_or_404(InboundMail, pk=pk)
    try:
        inbound = services.retry(inbound, by_user=request.user)
    except services.MailActionError as error:
        messages.error(request, str(error))
        return _back(request, inbound)
    _result_message(request, inbound)
    return _back(request, inbound)


@require_POST
@staff_required("mail.manage")
def inbound_discard(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = get_object_or_404(InboundMail, pk=pk)
    try:
        services.discard(inbound, by_user=request.user)
    except services.MailActionError as error:
        messages.error(request, str(error))
        return _back(request, inbound)
    messages.success(request, "Discarded. The message is kept and can still be downloaded.")
    return redirect("mail:triage" if request.POST.get("next") == "triage" else "mail:quarantine")


@require_POST
@staff_required("mail.manage")
def inbound_assign(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = get_object_or_404(InboundMail, pk=pk)
    client_pk = request.POST.get("client", "")
    client = Client.objects.filter(pk=client_pk).first() if client_pk.isdigit() else None
    if client is None:
        messages.error(request, "Choose the client this sender works for.")
        return _back(request, inbound)
    try:
        inbound = services.assign_sender(inbound, client, by_user=request.user)
    except services.MailActionError as error:
        messages.error(request, str(error))
        return _back(request, inbound)
    _result_message(request, inbound)
    if request.POST.get("next") == "triage":
        return redirect("mail:triage")
    return _back(request, inbound)
