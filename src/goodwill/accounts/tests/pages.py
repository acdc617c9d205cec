"""The sign-in, password reset and Security pages for tests/test_every_page.py (same meaning as
the dicts there). The team pages themselves are listed in that file."""

PAGES: dict = {
    "security": None,
    "security_setup": None,
}
NOT_PAGES: dict = {
    "login_code": "the second sign-in step; accounts/tests/test_two_factor.py",
    "password_reset": "signed-out page; accounts/tests/test_password_reset.py",
    "password_reset_done": "signed-out page; accounts/tests/test_password_reset.py",
    "password_reset_confirm": "needs the e-mailed token; accounts/tests/test_password_reset.py",
    "password_reset_complete": "signed-out page; accounts/tests/test_password_reset.py",
    "security_switch_off": "POST only; accounts/tests/test_two_factor.py",
    "security_recovery_codes": "POST only; accounts/tests/test_two_factor.py",
    "security_password": "POST only; accounts/tests/test_sessions.py",
    "security_sign_out_others": "POST only; accounts/tests/test_sessions.py",
    "accounts:staff_reset_2fa": "POST only; accounts/tests/test_two_factor.py",
}
