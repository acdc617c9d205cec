"""The portal pages for tests/test_every_page.py (same meaning as the dicts there).

Pages for people at clients are not staff pages: test_every_page.py renders PAGES as staff, so
they are listed in NOT_PAGES, and tests/test_isolation.py walks each of them as a person.
"""

PAGES: dict = {
    "portal:access": lambda c: {"pk": c.boss.pk},
}

_PEOPLE = "a page for people at clients; portal/tests/test_portal.py and tests/test_isolation.py"
NOT_PAGES: dict = {
    "portal:home": _PEOPLE,
    "portal:login": "the portal's sign-in form; portal/tests/test_portal.py",
    "portal:link": "a sign-in link from an e-mail; portal/tests/test_portal.py",
    "portal:logout": "POST only; portal/tests/test_portal.py",
    "portal:password": _PEOPLE,
    "portal:verify": "the code step of two-step sign-in; portal/tests/test_two_step.py",
    "portal:two_step": _PEOPLE,
    "portal:new_ticket": _PEOPLE,
    "portal:ticket": _PEOPLE,
    "portal:attachment": "a file download for people at clients; tests/test_isolation.py",
    "portal:contract": _PEOPLE,
    "portal:invoices": _PEOPLE,
    "portal:report": _PEOPLE,
    "portal:report_pdf": "a PDF download for people at clients; portal/tests/test_report.py",
    "portal:invoice_pdf": "a PDF download for people at clients; tests/test_isolation.py",
    "portal:invite": "POST only; portal/tests/test_portal.py",
    "portal:revoke": "POST only; portal/tests/test_portal.py",
}
STRICTER_INSIDE: dict = {}
