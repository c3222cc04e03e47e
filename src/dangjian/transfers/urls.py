from django.urls import path

from dangjian.transfers import views

app_name = "transfers"

urlpatterns = [
    path("", views.home, name="home"),
]
