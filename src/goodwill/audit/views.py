"""The audit log page and its CSV export: thin views over audit.services."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.accounts.permissions import staff_required
from goodwill.audit import services
from goodwill.billing.exports import _safe  # the same formula-injection guard as billing's CSVs

PAGE_SIZE = 50


@staff_required("audit.view")
def log(request: HttpRequest) -> HttpResponse:
    filters = services.LogFilters.from_query(request.GET)
    rows = services.filtered_log(request.user, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "entries": services.describe(page.object_list),
            "filters": filters,
            "query": query.urlencode(),
            "models": [
                (m._meta.label_lower, capfirst_plural(m))
                for m in services.models_visible_to(request.user)
            ],
            "actions": [a for a in services.ACTIONS.values() if a != "viewed"],
            "staff": User.objects.exclude(role="").order_by("first_name", "username"),
        },
    )


def capfirst_plural(model) -> str:
    name = services.KIND_NAMES.get(model._meta.label_lower)
    name = f"{name}s" if name else str(model._meta.verbose_name_plural)
    return name[:1].upper() + name[1:]


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_required("audit.view")
def export(request: HttpRequest) -> StreamingHttpResponse:
    filters = services.LogFilters.from_query(request.GET)
    rows = services.filtered_log(request.user, filters)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(services.CSV_HEADER)
        for row in services.csv_rows(rows):
            yield writer.writerow([_safe(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
