from django.urls import path

from dangjian.life import views

app_name = "life"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
]
