from django.urls import path

from goodwill.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.team, name="team"),
    path("new/", views.staff_create, name="staff_create"),
    path("<int:pk>/", views.staff_edit, name="staff_edit"),
    path("<int:pk>/reset-two-factor/", views.staff_reset_two_factor, name="staff_reset_2fa"),
]
