"""Import clients and people from CSV/XLSX: upload, preview with row errors, commit (being built)."""

from django.http import HttpRequest, HttpResponse

from goodwill.accounts.permissions import staff_required


@staff_required("import.run")
def import_upload(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@staff_required("import.run")
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)
