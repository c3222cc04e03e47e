from django.urls import path

from dangjian.opinions import views

app_name = "opinions"
urlpatterns = [
    path("", views.home, name="home"),
]
