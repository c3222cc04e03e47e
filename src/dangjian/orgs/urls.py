from django.urls import path

from dangjian.orgs import importers, views

app_name = "orgs"
urlpatterns = [
    path("", views.org_home, name="home"),
    path("tree/", views.tree, name="tree"),
    path("tree/<int:pk>/", views.tree_children, name="tree_children"),
    path("attention/", views.attention, name="attention"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("import/", importers.org_import, name="import"),
    path("import/template.xlsx", importers.org_import_template, name="import_template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/request/", views.request_new, name="request_new"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/appoint/", views.appoint, name="appoint"),
    path("posts/<int:pk>/end/", views.end_post, name="end_post"),
]
