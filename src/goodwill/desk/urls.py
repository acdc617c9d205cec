from django.urls import path

from goodwill.desk import views_assets, views_people, views_queue, views_recurring, views_ticket

app_name = "desk"

urlpatterns = [
    # The queue (views_queue)
    path("", views_queue.queue, name="queue"),
    path("bulk/", views_queue.bulk, name="bulk"),
    # One ticket (views_ticket)
    path("new/", views_ticket.ticket_create, name="create"),
    path("<int:number>/", views_ticket.ticket_detail, name="ticket"),
    path("<int:number>/reply/", views_ticket.ticket_reply, name="reply"),
    path("<int:number>/update/", views_ticket.ticket_update, name="update"),
    path("<int:number>/time/", views_ticket.ticket_time, name="time"),
    path("<int:number>/merge/", views_ticket.ticket_merge, name="merge"),
    path("<int:number>/split/<int:message_pk>/", views_ticket.ticket_split, name="split"),
    path("<int:number>/clocks/", views_ticket.ticket_clocks, name="clocks"),
    path("files/<int:pk>/", views_ticket.attachment_download, name="attachment"),
    # Preventive maintenance (views_recurring)
    path("recurring/", views_recurring.recurring_list, name="recurring"),
    path("recurring/new/", views_recurring.recurring_edit, name="recurring_create"),
    path("recurring/<int:pk>/", views_recurring.recurring_edit, name="recurring_edit"),
    path("hours/<int:contract_pk>/", views_recurring.contract_hours, name="contract_hours"),
    # Tickets of a client or a person, for the clients pages (views_people)
    path("client/<int:client_pk>/", views_people.client_tickets, name="client_tickets"),
    path("person/<int:person_pk>/", views_people.person_tickets, name="person_tickets"),
    # Devices (views_assets)
    path("assets/", views_assets.asset_list, name="assets"),
    path("assets/new/", views_assets.asset_edit, name="asset_create"),
    path("assets/<int:pk>/", views_assets.asset_edit, name="asset_edit"),
    path("assets/import/", views_assets.asset_import, name="asset_import"),
]
