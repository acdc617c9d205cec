"""One ticket: its page, the composer, the controls, time, merge and split, files, a new ticket.

Thin: forms read the input, desk.services make every change (and record the history), and
desk.ticket_page reads what the page shows. Seeing needs tickets.view; changing, tickets.work.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from goodwill.accounts.permissions import can, staff_required
from goodwill.clients.models import Client, Person
from goodwill.desk import services
from goodwill.desk.forms import (
    ComposerForm,
    MergeForm,
    Mode,
    TicketCreateForm,
    TicketUpdateForm,
    TimeForm,
    add_service_error,
)
from goodwill.desk.models import Attachment, Channel, Message, Ticket, TicketStatus
from goodwill.desk.ticket_page import (
    clocks_for,
    page_context,
    ticket_events,
    ticket_queryset,
)

# Served with their own type; anything else (HTML, SVG, XML, scripts…) as an opaque download.
SAFE_DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "message/rfc822",
    }
)


def _ticket(number: int) -> Ticket:
    return get_object_or_404(ticket_queryset(), number=number)


def _render_page(
    request: HttpRequest, ticket: Ticket, status: int = 200, **forms: Any
) -> HttpResponse:
    can_work = can(request.user, "tickets.work")
    context = page_context(ticket, can_work=can_work)
    if can_work:
        context["composer"] = forms.get("composer") or ComposerForm()
        context["time_form"] = forms.get("time_form") or TimeForm(ticket=ticket)
        context["merge_form"] = forms.get("merge_form") or MergeForm(ticket=ticket)
        context["update_form"] = forms.get("update_form")
        # A merged ticket hides its composer and controls: errors from a stale page show on top.
        context["refused"] = [f for f in (forms.get("composer"), forms.get("update_form")) if f]
    return render(request, "desk/ticket_detail.html", context, status=status)


@staff_required("tickets.view")
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    return _render_page(request, _ticket(number))


@require_GET
@staff_required("tickets.view")
def ticket_clocks(request: HttpRequest, number: int) -> HttpResponse:
    """The SLA clocks fragment; the page asks for it every minute."""
    ticket = _ticket(number)
    return render(
        request,
        "desk/_clocks.html",
        {"ticket": ticket, "clocks": clocks_for(ticket, ticket_events(ticket))},
    )


@require_POST
@staff_required("tickets.work")
def ticket_reply(request: HttpRequest, number: int) -> HttpResponse:
    """A reply, an internal note or the client's answer taken by phone; files; then a status."""
    ticket = _ticket(number)
    form = ComposerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_page(request, ticket, composer=form)
    data = form.cleaned_data
    body, mode, then = data["body"].strip(), data["mode"], data["then_status"]
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            message: Message | None = None
            if body and mode == Mode.NOTE:
                message = services.add_note(ticket, body, by_user=request.user)
            elif body and mode == Mode.CLIENT:
                message = services.reply(
                    ticket, body, by_person=ticket.requester, channel=Channel.PHONE
                )
            elif body:
                message = services.reply(ticket, body, by_user=request.user)
            for upload in data["files"]:
                if mode == Mode.CLIENT:
                    who: dict[str, Any] = {"by_person": ticket.requester}
                else:
                    who = {"by_user": request.user}
                saved.append(services.attach(ticket, upload, message=message, **who))
            if then:
                services.change_status(ticket, then, by_user=request.user)
    except ValidationError as error:
        for attachment in saved:  # the rows were rolled back; the files on disk go too
            attachment.file.storage.delete(attachment.file.name)
        add_service_error(form, error)
        return _render_page(request, _ticket(number), composer=form)
    done = {Mode.NOTE: "Note added", Mode.CLIENT: "Their reply is recorded"}.get(mode, "Reply sent")
    if not body:
        done = "Files attached"
    if then:
        done += f"; the ticket is now {TicketStatus(then).label.lower()}"
    messages.success(request, f"{done}.")
    return redirect(f"{ticket.get_absolute_url()}#conversation")


@require_POST
@staff_required("tickets.work")
def ticket_update(request: HttpRequest, number: int) -> HttpResponse:
    """Status, priority, assignee or tags. htmx gets the parts that changed."""
    ticket = _ticket(number)
    form = TicketUpdateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if "status" in form.present:
                    services.change_status(ticket, data["status"], by_user=request.user)
                if "priority" in form.present:
                    services.change_priority(ticket, data["priority"], by_user=request.user)
                if "assignee" in form.present:
                    services.assign(ticket, data["assignee"], by_user=request.user)
                if "tags" in form.present:
                    services.set_tags(ticket, data["tag_list"], by_user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        ticket = _ticket(number)
    if request.htmx:
        context = page_context(ticket, can_work=True)
        context["update_form"] = form
        context["oob"] = form.is_valid() and not form.errors
        return render(request, "desk/_ticket_updated.html", context)
    if form.errors:
        return _render_page(request, ticket, update_form=form)
    messages.success(request, "Ticket updated.")
    return redirect(ticket)


@require_POST
@staff_required("tickets.work")
def ticket_time(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket(number)
    form = TimeForm(request.POST, ticket=ticket)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.log_time(
                ticket,
                data["minutes"],
                by_user=request.user,
                billable=data["billable"],
                note=data["note"],
                work_date=data["work_date"],
            )
        except ValidationError as error:
            add_service_error(form, error)
    if request.htmx:
        context = page_context(ticket, can_work=True)
        context["time_form"] = form if form.errors else TimeForm(ticket=ticket)
        context["oob"] = not form.errors
        return render(request, "desk/_time_updated.html", context)
    if form.errors:
        return _render_page(request, ticket, time_form=form)
    messages.success(request, "Time logged.")
    return redirect(f"{ticket.get_absolute_url()}#time")


@require_POST
@staff_required("tickets.work")
def ticket_merge(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket(number)
    form = MergeForm(request.POST, ticket=ticket)
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            services.merge(ticket, target, by_user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{ticket.reference} is merged into {target.reference}.")
            return redirect(target)
    return _render_page(request, _ticket(number), merge_form=form)


@require_POST
@staff_required("tickets.work")
def ticket_split(request: HttpRequest, number: int, message_pk: int) -> HttpResponse:
    ticket = _ticket(number)
    message = get_object_or_404(Message, pk=message_pk, ticket=ticket)
    try:
        new = services.split(ticket, message, by_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(ticket)
    messages.success(request, f"The message is now {new.reference}, split from {ticket.reference}.")
    return redirect(new)


def _download_name(name: str) -> str:
    """The uploaded name without paths or control characters, never empty."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip(". ")
    return name[:200] or "attachment"


@require_GET
@staff_required("tickets.view")
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Always a download, never rendered by the browser: a file from a client may be hostile."""
    attachment = get_object_or_404(Attachment, pk=pk)
    storage = attachment.file.storage
    if not attachment.file.name or not storage.exists(attachment.file.name):
        raise Http404("The file is missing.")
    filename = _download_name(attachment.filename)
    content_type = mimetypes.guess_type(filename)[0] or attachment.content_type
    if content_type not in SAFE_DOWNLOAD_TYPES:
        content_type = "application/octet-stream"
    response = FileResponse(
        storage.open(attachment.file.name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required("tickets.work")
def ticket_create(request: HttpRequest) -> HttpResponse:
    """A new ticket. ?client= or ?requester= start it for someone; changing the client reloads
    the requester, site and device lists (htmx)."""
    source = request.POST if request.method == "POST" else request.GET
    client = _chosen_client(source)
    initial: dict[str, Any] = {}
    if request.method != "POST":
        requester = _int(request.GET.get("requester"))
        person = Person.objects.filter(pk=requester, is_active=True).first() if requester else None
        if person is not None and (client is None or person.client_id == client.pk):
            client = person.client
            initial["requester"] = person.pk
        if client is not None:
            initial["client"] = client.pk
    form = TicketCreateForm(
        request.POST if request.method == "POST" else None, client=client, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.open_ticket(
                requester=data["requester"],
                subject=data["subject"],
                body=data["body"],
                impact=data["impact"],
                urgency=data["urgency"],
                priority=data["priority"] or None,
                category=data["category"],
                channel=data["channel"],
                by_user=request.user,
                site=data["site"],
                asset=data["asset"],
                assignee=data["assignee"],
                tags=data["tag_list"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"{ticket.reference} opened for {ticket.requester.full_name}."
            )
            return redirect(ticket)
    return render(
        request,
        "desk/ticket_create.html",
        {"form": form, "client": client, "create_url": reverse("desk:create")},
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _chosen_client(source: Any) -> Client | None:
    pk = _int(source.get("client"))
    return Client.objects.filter(pk=pk).first() if pk else None
