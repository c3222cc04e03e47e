from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dangjian.accounts.views import LoginView
from dangjian.api import api
from dangjian.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("", include("dangjian.core.urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("development/", include("dangjian.development.urls")),
    path("transfers/", include("dangjian.transfers.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("funds/", include("dangjian.funds.urls")),
    path("life/", include("dangjian.life.urls")),
    path("elections/", include("dangjian.elections.urls")),
    path("outreach/", include("dangjian.outreach.urls")),
    path("care/", include("dangjian.care.urls")),
    path("opinions/", include("dangjian.opinions.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
]

if settings.DEBUG:
    urlpatterns += []
