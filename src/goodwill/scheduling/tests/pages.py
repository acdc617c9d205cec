"""The scheduling pages for tests/test_every_page.py (same meaning as the dicts there)."""


def _booking(c):
    from goodwill.scheduling.testing import make_review

    return make_review(c)


def _prospect(c):
    from goodwill.scheduling.models import Prospect

    return Prospect.objects.create(name="Nina Page", company="Page & Co", email="nina@page.test")


def _type(c):
    from goodwill.scheduling.testing import consultation

    return consultation(c.owner)


PAGES: dict = {
    "scheduling:calendar": None,
    "scheduling:book": None,
    "scheduling:booking": lambda c: {"pk": _booking(c).pk},
    "scheduling:types": None,
    "scheduling:type_create": None,
    "scheduling:type_edit": lambda c: {"pk": _type(c).pk},
    "scheduling:hours": None,
    "scheduling:prospects": None,
    "scheduling:prospect_create": None,
    "scheduling:prospect": lambda c: {"pk": _prospect(c).pk},
}
NOT_PAGES: dict = {
    "scheduling:feed_settings": "POST only; scheduling/tests/test_ics.py",
    "scheduling:feed": "an ICS download by secret token; scheduling/tests/test_ics.py",
    "scheduling:booking_outcome": "POST only; scheduling/tests/test_staff.py",
    "scheduling:booking_cancel": "POST only; scheduling/tests/test_staff.py",
    "scheduling:booking_move": "POST only; scheduling/tests/test_staff.py",
    "scheduling:time_off_delete": "POST only; scheduling/tests/test_staff.py",
    "scheduling:prospect_move": "POST only; scheduling/tests/test_prospects.py",
    "scheduling:prospect_convert": "POST only; scheduling/tests/test_prospects.py",
    "scheduling:public_index": "public, no login; scheduling/tests/test_public.py",
    "scheduling:public_slots": "public, no login; scheduling/tests/test_public.py",
    "scheduling:public_details": "public, no login; scheduling/tests/test_public.py",
    "scheduling:public_done": "public, signed token; scheduling/tests/test_public.py",
    "scheduling:public_manage": "public, signed token; scheduling/tests/test_public.py",
    "scheduling:public_cancel": "public, signed token; scheduling/tests/test_public.py",
    "scheduling:public_reschedule": "public, signed token; scheduling/tests/test_public.py",
}
STRICTER_INSIDE: dict = {
    "scheduling:prospect_create": "prospects.edit",
}
