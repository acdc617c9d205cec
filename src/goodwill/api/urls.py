from django.urls import path, re_path

from goodwill.api import problems, views
from goodwill.api.v1 import api

# The API's routes join this app's own patterns under one namespace, "api" (ninja reverses
# "api:api-root" and "api:openapi-json"), beside the staff pages for tokens and webhooks.
_api_patterns, _ninja_app, _namespace = api.urls

app_name = "api"

urlpatterns = [
    path("manage/tokens/", views.tokens, name="tokens"),
    path("manage/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("manage/webhooks/", views.webhooks, name="webhooks"),
    path("manage/webhooks/<int:pk>/", views.webhook, name="webhook"),
    *_api_patterns,
    # Anything else under /api/v1/ answers in the API's error format.
    re_path(r"^.*$", problems.not_found_view, name="not_found"),
]
