from django.urls import path

from goodwill.scheduling import views, views_public

app_name = "scheduling"

urlpatterns = [
    # Staff
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/feed/", views.feed_settings, name="feed_settings"),
    path("calendar/feed/<str:token>.ics", views.feed, name="feed"),
    path("calendar/book/", views.book, name="book"),
    path("calendar/bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("calendar/bookings/<int:pk>/outcome/", views.booking_outcome, name="booking_outcome"),
    path("calendar/bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("calendar/bookings/<int:pk>/move/", views.booking_move, name="booking_move"),
    path("calendar/types/", views.types, name="types"),
    path("calendar/types/new/", views.type_edit, name="type_create"),
    path("calendar/types/<int:pk>/", views.type_edit, name="type_edit"),
    path("calendar/hours/", views.hours, name="hours"),
    path("calendar/hours/time-off/<int:pk>/delete/", views.time_off_delete, name="time_off_delete"),
    path("prospects/", views.prospects, name="prospects"),
    path("prospects/new/", views.prospect_detail, name="prospect_create"),
    path("prospects/<int:pk>/", views.prospect_detail, name="prospect"),
    path("prospects/<int:pk>/move/", views.prospect_move, name="prospect_move"),
    path("prospects/<int:pk>/convert/", views.prospect_convert, name="prospect_convert"),
    # Public (no login)
    path("book/", views_public.index, name="public_index"),
    path("book/done/<str:token>/", views_public.done, name="public_done"),
    path("book/manage/<str:token>/", views_public.manage, name="public_manage"),
    path("book/manage/<str:token>/cancel/", views_public.cancel, name="public_cancel"),
    path("book/manage/<str:token>/reschedule/", views_public.reschedule,
         name="public_reschedule"),
    path("book/<slug:slug>/", views_public.slots, name="public_slots"),
    path("book/<slug:slug>/<str:key>/", views_public.details, name="public_details"),
]
