from django.urls import path

from dangjian.elections import views

app_name = "elections"
urlpatterns = [
    path("", views.home, name="home"),
]
