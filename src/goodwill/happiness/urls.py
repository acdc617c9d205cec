from django.urls import path

from goodwill.happiness import views

app_name = "happiness"

urlpatterns = [
    path("", views.index, name="index"),
    path("clients/", views.client_health, name="clients"),
    path("playbook/", views.playbook_page, name="playbook"),
    path("recompute/", views.recompute, name="recompute"),
    path("radar/<int:pk>/confirm/", views.radar_confirm, name="radar_confirm"),
    path("radar/<int:pk>/dismiss/", views.radar_dismiss, name="radar_dismiss"),
    path("actions/<int:pk>/<str:verb>/", views.action, name="action"),
    # Public: linked from survey e-mails, answered without signing in.
    path("s/<str:token>/", views.survey, name="survey"),
]
