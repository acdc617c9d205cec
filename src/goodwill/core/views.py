from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from goodwill.accounts.permissions import staff_required
from goodwill.core import dashboard as dashboard_queries
from goodwill.core.search import global_search


@staff_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "core/dashboard.html",
        {
            "today": today,
            "portfolio": dashboard_queries.portfolio(today),
            "renewals": dashboard_queries.upcoming_renewals(today)[:10],
            "quiet": dashboard_queries.key_people_gone_quiet(today),
            "gaps": dashboard_queries.clients_missing_key_people(today),
            "quiet_days": dashboard_queries.QUIET_AFTER_DAYS,
            "renewal_chart": dashboard_queries.renewals_by_month(today),
        },
    )


@staff_required()
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    results = global_search(query) if len(query) >= 2 else None
    return render(request, "core/search.html", {"search_query": query, "results": results})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "accounts/not_allowed.html", {"allowed_roles": []}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)
