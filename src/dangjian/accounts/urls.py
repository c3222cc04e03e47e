from django.urls import path

from dangjian.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]
