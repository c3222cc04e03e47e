from django.urls import path

from dangjian.core import views

app_name = "core"
urlpatterns = [
    path("tools/sort-names/", views.sort_names, name="sort_names"),
    path("audit/", views.audit_log, name="audit"),
    path("healthz", views.healthz, name="healthz"),
]
