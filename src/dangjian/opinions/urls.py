from django.urls import path

from dangjian.opinions import views

app_name = "opinions"
urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("track/", views.track, name="track"),
    path("replies/", views.replies, name="replies"),
    path("new/", views.opinion_new, name="new"),
    path("similar/", views.similar, name="similar"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/confirm/", views.inbox_confirm, name="inbox_confirm"),
    path("case/<int:pk>/", views.case_detail, name="case"),
    path("case/<int:pk>/<slug:op>/", views.case_action, name="case_action"),
    path("opinion/<int:pk>/contact/", views.reveal, name="reveal"),
    path("figures/", views.figures, name="figures"),
    path("figures/export/", views.export, name="export"),
    path("opinions/", views.opinion_list, name="opinions"),
    path("import/", views.import_start, name="import"),
    path("import/map/", views.import_map, name="import_map"),
    path("import/job/<int:pk>/", views.import_job, name="import_job"),
    path("import/job/<int:pk>/status/", views.import_job_status, name="import_job_status"),
    path("import/job/<int:pk>/commit/", views.import_commit, name="import_commit"),
]
