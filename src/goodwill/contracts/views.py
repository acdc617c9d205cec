"""Contract, SLA policy and business-hours pages (being built)."""

from django.http import HttpRequest, HttpResponse

from goodwill.accounts.permissions import staff_required


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


contract_list = staff_required("contracts.view")(_todo)
contract_create = staff_required("contracts.edit")(_todo)
contract_detail = staff_required("contracts.view")(_todo)
contract_edit = staff_required("contracts.edit")(_todo)
sla_policy_list = staff_required("sla.view")(_todo)
sla_policy_edit = staff_required("sla.edit")(_todo)
calendar_list = staff_required("sla.view")(_todo)
calendar_edit = staff_required("sla.edit")(_todo)
