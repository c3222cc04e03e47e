from django.urls import path

from dangjian.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.org_home, name="home"),
    path("tree/", views.tree, name="tree"),
    path("tree/<int:pk>/", views.tree_children, name="tree_children"),
    path("attention/", views.attention, name="attention"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/request/", views.request_new, name="request_new"),
]
