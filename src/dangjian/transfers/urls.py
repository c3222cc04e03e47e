from django.urls import path

from dangjian.transfers import views

app_name = "transfers"

urlpatterns = [
    path("", views.home, name="home"),
    path("list/", views.transfer_list, name="list"),
    path("new/", views.transfer_new, name="new"),
    path("incoming/", views.transfer_incoming, name="incoming"),
    path("<int:pk>/", views.transfer_detail, name="detail"),
    path("<int:pk>/step/<str:action>/", views.transfer_step, name="step"),
    path("<int:pk>/letter.pdf", views.transfer_letter, name="letter"),
    path("floating/", views.floating_list, name="floating"),
    path("floating/new/", views.floating_new, name="floating_new"),
    path("floating/<int:pk>/", views.floating_detail, name="floating_detail"),
]
