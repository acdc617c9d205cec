from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from goodwill.accounts.permissions import staff_required


@staff_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "core/dashboard.html", {})


@staff_required()
def search(request: HttpRequest) -> HttpResponse:
    return render(request, "core/search.html", {})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "accounts/not_allowed.html", {"allowed_roles": []}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)
