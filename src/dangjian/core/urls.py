from django.urls import path

from dangjian.core import views

app_name = "core"
urlpatterns = [
    path("tools/sort-names/", views.sort_names, name="sort_names"),
    path("audit/", views.audit_log, name="audit"),
    path("healthz", views.healthz, name="healthz"),
    path("todo/", views.reminders, name="reminders"),
]

from dangjian.core import job_views  # noqa: E402

urlpatterns += [
    path("jobs/", job_views.job_list, name="jobs"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job"),
    path("jobs/<int:pk>/status/", job_views.job_status, name="job_status"),
    path("jobs/<int:pk>/commit/", job_views.job_commit, name="job_commit"),
    path("jobs/<int:pk>/errors.xlsx", job_views.job_errors_xlsx, name="job_errors"),
]

from dangjian.core import ruleset_views  # noqa: E402

urlpatterns += [
    path("rules/", ruleset_views.ruleset_list, name="rulesets"),
    path("rules/<str:domain>/add/", ruleset_views.ruleset_add, name="ruleset_add"),
]
