from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from dangjian.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("home")
        ),
        name="password_change",
    ),
]
