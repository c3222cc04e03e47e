from django import forms
from django.contrib.auth.forms import AuthenticationForm

from dangjian.accounts.roles import Role
from dangjian.core.forms import ChineseForm
from dangjian.orgs.models import Organization


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错多次账号将被临时锁定。",
        "inactive": "该账号已停用。",
        "expired": "该账号已过有效期，请联系系统管理员。",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_expired:
            raise forms.ValidationError(self.error_messages["expired"], code="expired")


class NewUserForm(ChineseForm):
    username = forms.CharField(label="登录账号", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, min_length=8)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    org = forms.ModelChoiceField(label="授权组织", queryset=Organization.objects.none())
    expires_on = forms.DateField(label="账号有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Organization.objects.none()
