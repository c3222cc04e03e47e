from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.accounts.services import grant_role


def test_username_unique_case_insensitively(db):
    User.objects.create_user("Zhang", password="x")
    with pytest.raises(IntegrityError):
        User.objects.create_user("zhang", password="x")


def test_login_is_case_insensitive_and_lands_home(county, client):
    resp = client.post(reverse("login"), {"username": "GongWei", "password": "demo12345"})
    assert resp.status_code == 302


def test_lockout_after_five_failures(county, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "zhibu", "password": "bad"})
    resp = client.post(reverse("login"), {"username": "zhibu", "password": "demo12345"})
    assert "锁定" in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(county, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "zhibu", "password": "bad"})
    resp = client.post(reverse("login"), {"username": "zhibu", "password": "demo12345"})
    assert resp.status_code == 302


def test_expired_account_cannot_log_in(county, client):
    user = county.users["zhibu"]
    user.expires_on = timezone.localdate() - timedelta(days=1)
    user.save()
    resp = client.post(reverse("login"), {"username": "zhibu", "password": "demo12345"})
    assert "过有效期" in resp.content.decode()
    user.expires_on = timezone.localdate()
    user.save()
    assert client.post(reverse("login"), {"username": "zhibu", "password": "demo12345"}).status_code == 302


def test_idle_session_expires(county, client, settings):
    client.post(reverse("login"), {"username": "zhibu", "password": "demo12345"})
    assert client.get(reverse("members:list")).status_code == 200
    session = client.session
    session["last_seen"] = int(timezone.now().timestamp()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    resp = client.get(reverse("members:list"))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_three_role_separation(county):
    with pytest.raises(ValidationError, match="三员分立"):
        grant_role(actor=county.users["admin"], user=county.users["shenji"], role="work_committee_admin", org=county.gongwei)
    with pytest.raises(ValidationError, match="三员分立"):
        grant_role(actor=county.users["admin"], user=county.users["gongwei"], role="auditor", org=county.gongwei)


def test_admin_creates_account_with_grant(county, login):
    c = login(county.users["admin"])
    resp = c.post(reverse("accounts:list"), {
        "username": "newsec", "display_name": "新书记", "password": "Str0ng!pass-2026", "role": "branch_secretary", "org": county.branch_a2.pk,
    })
    assert resp.status_code == 302
    user = User.objects.get(username="newsec")
    assert user.must_change_password and user.grants.get().org == county.branch_a2
    assert user.password.startswith(("argon2", "md5"))


def test_weak_password_refused(county, login):
    c = login(county.users["admin"])
    resp = c.post(reverse("accounts:list"), {
        "username": "weak", "display_name": "弱", "password": "12345678", "role": "branch_secretary", "org": county.branch_a2.pk,
    })
    assert resp.status_code == 200 and not User.objects.filter(username="weak").exists()


def test_production_hasher_is_argon2():
    from pathlib import Path

    import dangjian.settings as s

    text = Path(s.__file__).read_text()
    assert '"django.contrib.auth.hashers.Argon2PasswordHasher",' in text.split("PASSWORD_HASHERS = [")[1].split("]")[0].splitlines()[1]


def test_first_login_forces_password_change(county, client):
    user = county.users["zhibu"]
    user.must_change_password = True
    user.save()
    client.post(reverse("login"), {"username": "zhibu", "password": "demo12345"})
    resp = client.get(reverse("members:list"))
    assert resp.status_code == 302 and resp["Location"] == reverse("accounts:password_change")
    resp = client.post(reverse("accounts:password_change"), {
        "old_password": "demo12345", "new_password1": "Xin-mima-2026!", "new_password2": "Xin-mima-2026!",
    })
    assert resp.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("members:list")).status_code == 200


def test_lockout_counts_case_variants_of_one_account(county, client, settings):
    for variant in ("zhibu", "ZHIBU", "Zhibu", "zhiBU", "ZhIbU")[: settings.AXES_FAILURE_LIMIT]:
        client.post(reverse("login"), {"username": variant, "password": "bad"})
    resp = client.post(reverse("login"), {"username": "zhibu", "password": "demo12345"})
    assert "锁定" in resp.content.decode()
