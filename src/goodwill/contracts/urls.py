from django.urls import path

from goodwill.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("new/", views.contract_create, name="create"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("sla/", views.sla_policy_list, name="sla_policies"),
    path("sla/new/", views.sla_policy_edit, name="sla_policy_create"),
    path("sla/<int:pk>/", views.sla_policy_edit, name="sla_policy"),
    path("hours/", views.calendar_list, name="calendars"),
    path("hours/new/", views.calendar_edit, name="calendar_create"),
    path("hours/<int:pk>/", views.calendar_edit, name="calendar"),
]
