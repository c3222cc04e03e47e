from django.urls import path

from dangjian.dues import views

app_name = "dues"

urlpatterns = [
    path("standards/", views.standards_list, name="standards"),
]
