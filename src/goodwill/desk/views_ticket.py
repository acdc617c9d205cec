"""Being built: see desk/urls.py."""

from django.http import HttpRequest, HttpResponse

from goodwill.accounts.permissions import staff_required


@staff_required("tickets.view")
def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


ticket_create = ticket_detail = ticket_reply = ticket_update = ticket_time = ticket_merge = _todo
ticket_split = ticket_clocks = attachment_download = _todo
