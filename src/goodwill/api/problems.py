"""Errors as RFC 9457 problem details (application/problem+json), one shape for every error."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Schema

logger = logging.getLogger("goodwill.api")

CONTENT_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid request",
    500: "Server error",
}


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


# The error responses every operation documents (the schema Schemathesis checks against).
ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


class ApiProblem(Exception):
    def __init__(self, status: int, detail: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors


def forbidden(detail: str) -> ApiProblem:
    return ApiProblem(403, detail)


def not_found(what: str = "No such object") -> ApiProblem:
    return ApiProblem(404, what)


def problem_response(
    request: HttpRequest | None,
    status: int,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": TITLES.get(status, "Error"),
                            "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="goodwill"'
    return response


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other path under /api/v1/: a 404 in the API's own format, not the HTML page."""
    return problem_response(request, 404, "There is no such API endpoint.")
