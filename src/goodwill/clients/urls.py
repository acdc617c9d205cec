from django.urls import path

from goodwill.clients import import_views, views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/sites/new/", views.site_create, name="site_create"),
    path("<int:pk>/people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/roles/", views.person_roles, name="person_roles"),
    path("people/<int:pk>/contacted/", views.person_contacted, name="person_contacted"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<str:token>/", import_views.import_preview, name="import_preview"),
]
