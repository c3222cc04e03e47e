from django.urls import path

from dangjian.care import views

app_name = "care"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("export/", views.export, name="export"),
    path("compliance/", views.compliance, name="compliance"),
    path("training/", views.training, name="training"),
    path("training/new/", views.training_new, name="training_new"),
    path("training/<int:pk>/", views.course, name="course"),
    path("trainee/<int:pk>/reemploy/", views.reemploy, name="reemploy"),
    path("figures/", views.figures, name="figures"),
    path("figures/list/", views.figures_list, name="figures_list"),
    path("figures/export/", views.figures_export, name="figures_export"),
    path("visit/<int:pk>/correct/", views.correct_visit, name="correct_visit"),
    path("r/<int:pk>/", views.detail, name="detail"),
    path("r/<int:pk>/circumstances/", views.circumstances, name="circumstances"),
    path("r/<int:pk>/pair/", views.pair, name="pair"),
    path("r/<int:pk>/visit/", views.visit, name="visit"),
    path("r/<int:pk>/review/", views.review, name="review"),
    path("r/<int:pk>/close/", views.close, name="close"),
    path("pair/<int:pk>/end/", views.end_pair, name="end_pair"),
]
