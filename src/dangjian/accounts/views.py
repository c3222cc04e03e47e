from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from dangjian.accounts.forms import LoginForm, NewUserForm
from dangjian.accounts.models import User
from dangjian.accounts.roles import ACCOUNT
from dangjian.accounts.services import change_password_done, create_user
from dangjian.core.forms import add_service_errors
from dangjian.core.scope import has_any, scope_paths
from dangjian.orgs.models import Organization


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _account_orgs(user):
    roots = scope_paths(user, "view", ACCOUNT)
    qs = Organization.objects.none()
    for root in roots:
        qs = qs | Organization.objects.filter(path__startswith=root)
    return qs.filter(depth__lte=6).order_by("path")


@login_required
def account_list(request):
    if not has_any(request.user, "view", ACCOUNT):
        raise Http404
    form = NewUserForm(request.POST or None, orgs=_account_orgs(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            user = create_user(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已创建账号 {user.username}，首次登录须修改密码。")
            return redirect("accounts:list")
    users = User.objects.prefetch_related("grants__org").order_by("username")
    return render(request, "accounts/list.html", {"users": users, "form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        change_password_done(user=self.request.user, request=self.request)
        messages.success(self.request, "密码已修改。")
        return response
