"""Devices: the list, the form, and the CSV/XLSX import (upload → preview → commit)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from goodwill.accounts.permissions import can, not_allowed, staff_required
from goodwill.clients import importing
from goodwill.clients.import_views import load_own_upload
from goodwill.clients.models import Client
from goodwill.desk import assets
from goodwill.desk.forms_assets import AssetForm, AssetImportForm
from goodwill.desk.models import Asset, AssetType
from goodwill.desk.services import contract_for

PAGE_SIZE = 50


def _client_param(request: HttpRequest) -> Client | None:
    value = request.GET.get("client", "")
    return Client.objects.filter(pk=value).first() if value.isdigit() else None


@staff_required("tickets.view")
def asset_list(request: HttpRequest) -> HttpResponse:
    client = _client_param(request)
    asset_type = request.GET.get("type", "")
    warranty = request.GET.get("warranty", "")
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "client")
    if sort not in assets.ASSET_SORTS:
        sort = "client"
    today = timezone.localdate()
    found = assets.search_assets(
        client_id=client.pk if client else None,
        asset_type=asset_type,
        warranty=warranty,
        query=query,
        sort=sort,
        today=today,
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    for asset in page:
        asset.warranty_state = assets.warranty_state(asset.warranty_end, today)
    filtered = bool(client or asset_type in AssetType.values or warranty or query)
    return render(
        request,
        "desk/asset_list.html",
        {
            "page": page,
            "clients": Client.objects.filter(assets__isnull=False).distinct().order_by("name"),
            "client": client,
            "types": AssetType.choices,
            "asset_type": asset_type if asset_type in AssetType.values else "",
            "warranties": assets.WarrantyFilter.CHOICES,
            "warranty": warranty,
            "q": query,
            "sort": sort,
            "filtered": filtered,
        },
    )


@staff_required("tickets.view")
def asset_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a device; people without assets.edit see an existing one read-only."""
    editable = can(request.user, "assets.edit")
    if (pk is None or request.method == "POST") and not editable:
        return not_allowed(request, "assets.edit")
    asset = (
        get_object_or_404(Asset.objects.select_related("client", "site", "assigned_to"), pk=pk)
        if pk
        else Asset()
    )
    if request.method == "POST":
        form = AssetForm(request.POST, instance=asset)
        if form.is_valid():
            asset = form.save()
            messages.success(request, f"{asset.name} saved.")
            return redirect(f"{reverse('desk:assets')}?client={asset.client_id}")
    else:
        client = _client_param(request)
        form = AssetForm(instance=asset, client=client)
        if asset.pk is None and form.client is not None:
            # A new device is covered by the client's contract in force, unless changed.
            form.initial["contract"] = getattr(contract_for(form.client), "pk", None)
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    tickets = (
        asset.tickets.select_related("requester").order_by("-opened_at")[:10] if asset.pk else []
    )
    return render(
        request,
        "desk/asset_form.html",
        {
            "asset": asset,
            "form": form,
            "editable": editable,
            "tickets": tickets,
            "warranty_state": assets.warranty_state(asset.warranty_end),
        },
    )


# ---------------------------------------------------------------------------------------------
# Import: one address. Without a token: the upload form. With ?token=: the preview of that
# upload, which commits or discards on POST.


@staff_required("assets.edit")
@require_http_methods(["GET", "POST"])
def asset_import(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("token", "")
    if token:
        return _import_preview(request, token)
    form = AssetImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            assets.build_preview(data, upload.name)
        except importing.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            token = importing.store_upload(data, upload.name, request.user.pk)
            return redirect(f"{reverse('desk:asset_import')}?token={token}")
    return render(request, "desk/asset_import.html", {"form": form})


def _import_preview(request: HttpRequest, token: str) -> HttpResponse:
    stored = load_own_upload(request, token)
    if request.method == "POST" and request.POST.get("action") == "discard":
        importing.delete_upload(token)
        messages.info(request, "Import discarded; nothing was written.")
        return redirect("desk:asset_import")
    commit_error = ""
    preview: assets.AssetPreview | None = None
    try:
        if request.method == "POST":
            try:
                result = assets.commit_import(stored.data, stored.filename)
            except importing.ImportRejected as exc:
                preview = exc.preview  # type: ignore[assignment]
                commit_error = "The data changed since the preview: fix these rows first."
            except importing.ImportCommitError as exc:
                commit_error = str(exc)
            else:
                importing.delete_upload(token)
                messages.success(request, f"Import done: {result}.")
                return redirect("desk:assets")
        if preview is None:
            preview = assets.build_preview(stored.data, stored.filename)
    except importing.ImportFileError as exc:
        importing.delete_upload(token)
        messages.error(request, str(exc))
        return redirect("desk:asset_import")
    return render(
        request,
        "desk/asset_import_preview.html",
        {"preview": preview, "stored": stored, "commit_error": commit_error},
        status=409 if commit_error else 200,
    )
