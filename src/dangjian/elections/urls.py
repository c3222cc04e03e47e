from django.urls import path

from dangjian.elections import views

app_name = "elections"
urlpatterns = [
    path("", views.home, name="home"),
    path("terms/", views.registry, name="registry"),
    path("terms/export/", views.registry_export, name="registry_export"),
    path("org/<int:pk>/", views.org_page, name="org"),
    path("org/<int:pk>/term/new/", views.term_new, name="term_new"),
    path("org/<int:pk>/election/new/", views.election_new, name="election_new"),
    path("org/<int:pk>/post-change/new/", views.post_change_new, name="post_change_new"),
    path("term/<int:pk>/change/", views.term_change_new, name="term_change_new"),
    path("term-change/<int:pk>/", views.term_change_detail, name="term_change"),
    path("post-change/<int:pk>/", views.post_change_detail, name="post_change"),
    path("<int:pk>/", views.election_detail, name="election"),
    path("<int:pk>/plan/", views.election_plan_edit, name="plan_edit"),
    path("<int:pk>/decide/", views.election_decide, name="decide"),
    path("<int:pk>/candidates/", views.candidates, name="candidates"),
    path("<int:pk>/meeting/", views.meeting, name="meeting"),
    path("<int:pk>/portfolios/", views.election_portfolios, name="portfolios"),
    path("<int:pk>/submit/", views.election_submit, name="submit"),
    path("<int:pk>/result/", views.result_sheet, name="result"),
    path("<int:pk>/result.pdf", views.result_pdf, name="result_pdf"),
    path("round/<int:pk>/", views.round_page, name="round"),
    path("round/<int:pk>/prepare/", views.round_prepare, name="round_prepare"),
    path("round/<int:pk>/ballot/", views.round_ballot, name="round_ballot"),
    path("round/<int:pk>/count/", views.round_count, name="round_count"),
    path("ballot/<int:pk>/cancel/", views.ballot_cancel, name="ballot_cancel"),
]
