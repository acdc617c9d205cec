"""Import clients and people from CSV/XLSX: upload, preview with row errors, commit.

The logic lives in goodwill.clients.importing; these views only move bytes and messages.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from goodwill.accounts.permissions import staff_required
from goodwill.clients import importing


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="A .csv or .xlsx file, one row per person, at most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx", "class": "form-control"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        try:
            importing.check_file_name(upload.name or "")
        except importing.ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if upload.size is not None and upload.size > importing.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"This file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{importing.MAX_UPLOAD_BYTES // 1024 // 1024} MB. Split it into smaller files."
            )
        return upload


@staff_required("import.run")
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            importing.build_preview(data, upload.name)
        except importing.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            token = importing.store_upload(data, upload.name, request.user.pk)
            return redirect("clients:import_preview", token=token)
    return render(request, "clients/import_upload.html", {"form": form}, status=200)


def load_own_upload(request: HttpRequest, token: str) -> importing.StoredUpload:
    """The stored upload behind `token`, if it is the requester's own; 404 otherwise."""
    try:
        stored = importing.load_upload(token)
    except importing.UploadNotFound as exc:
        raise Http404("This import has expired or was already done.") from exc
    if stored.uploader_id != request.user.pk:
        raise Http404("This import belongs to someone else.")
    return stored


@staff_required("import.run")
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    stored = load_own_upload(request, token)
    if request.method == "POST" and request.POST.get("action") == "discard":
        importing.delete_upload(token)
        messages.info(request, "Import discarded; nothing was written.")
        return redirect("clients:import")

    commit_error = ""
    preview: importing.ImportPreview | None = None
    try:
        if request.method == "POST":
            try:
                result = importing.commit_import(stored.data, stored.filename, user=request.user)
            except importing.ImportRejected as exc:
                preview = exc.preview
                commit_error = "The data changed since the preview: fix these rows first."
            except importing.ImportCommitError as exc:
                commit_error = str(exc)
            else:
                importing.delete_upload(token)
                messages.success(request, f"Import done: {result}.")
                return redirect("clients:list")
        if preview is None:
            preview = importing.build_preview(stored.data, stored.filename)
    except importing.ImportFileError as exc:  # only if the rules changed since the upload
        importing.delete_upload(token)
        messages.error(request, str(exc))
        return redirect("clients:import")

    return render(
        request,
        "clients/import_preview.html",
        {"preview": preview, "stored": stored, "commit_error": commit_error},
        status=409 if commit_error else 200,
    )
