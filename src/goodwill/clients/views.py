"""Client, person and import pages (being built)."""

from django.http import HttpRequest, HttpResponse

from goodwill.accounts.permissions import staff_required


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


client_list = staff_required("clients.view")(_todo)
client_create = staff_required("clients.edit")(_todo)
client_detail = staff_required("clients.view")(_todo)
client_edit = staff_required("clients.edit")(_todo)
site_create = staff_required("clients.edit")(_todo)
person_create = staff_required("people.edit")(_todo)
person_detail = staff_required("clients.view")(_todo)
person_edit = staff_required("people.edit")(_todo)
person_roles = staff_required("roles.edit")(_todo)
person_contacted = staff_required("people.edit")(_todo)
