from django.urls import path

from dangjian.members import import_views, status_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path("me/", views.me, name="me"),
    path("import/", import_views.member_import, name="import"),
    path("export/", import_views.member_export, name="export"),
    path("import/template.xlsx", import_views.member_import_template, name="import_template"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/status/request/", status_views.request_change, name="status_request"),
    path("<int:pk>/status/section/", status_views.member_section, name="status_section"),
    path("status/", status_views.pending, name="status_pending"),
    path("status/<int:pk>/", status_views.change_detail, name="status_change"),
    path("status/suspended/", status_views.suspended, name="status_suspended"),
    path("status/history/", status_views.history, name="status_history"),
    path("status/lapses/", status_views.lapses, name="status_lapses"),
]
