from django.http import HttpResponse


def assert_not_allowed(response: HttpResponse) -> None:
    """The role-aware 'not allowed' page, not a bare 403."""
    assert response.status_code == 403
    assert "accounts/not_allowed.html" in [t.name for t in response.templates]
    assert b"with your role" in response.content
