"""Being built: see desk/urls.py."""

from django.http import HttpRequest, HttpResponse

from goodwill.accounts.permissions import staff_required


@staff_required("tickets.view")
def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


queue = bulk = _todo
