"""Token issue, use, expiry, revocation, lockout and CSRF on session calls."""

from datetime import datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.test import Client
from django.utils import timezone
from support import PASSWORD

from dangjian.accounts.models import ApiToken
from dangjian.accounts.tokens import issue_token, revoke_all_tokens, token_owner
from dangjian.core.crypto import sm3_hex

TOKEN_URL = "/api/auth/token"


def _events(kind: str) -> list[LogEntry]:
    return list(LogEntry.objects.filter(additional_data__event=kind))


def _obtain(client: Client, username: str, password: str):
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, content_type="application/json"
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_issued_stores_only_the_sm3_digest(county, client, settings):
    settings.DANGJIAN_API_TOKEN_DAYS = 7
    before = timezone.now()

    response = _obtain(client, "zhibu", PASSWORD)

    assert response.status_code == 200
    body = response.json()
    token = body["token"]
    assert len(token) >= 43  # secrets.token_urlsafe(32)
    record = ApiToken.objects.get(user=county.users["zhibu"])
    assert record.digest == sm3_hex(token.encode())
    assert record.prefix == token[:8]
    assert token not in (record.digest, record.prefix)
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(days=7) <= expires_at <= timezone.now() + timedelta(days=7)
    assert abs(record.expires_at - expires_at) < timedelta(milliseconds=1)  # JSON keeps ms
    issued = _events("token_issued")
    assert [e.actor_id for e in issued] == [county.users["zhibu"].pk]


def test_username_is_case_insensitive_like_the_login_page(county, client):
    assert _obtain(client, "ZhiBu", PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("zhibu", "wrong-password"), ("no-such-user", PASSWORD), ("zhibu", PASSWORD + "x")],
)
def test_wrong_credentials_give_401_in_chinese_and_no_token(county, client, username, password):
    response = _obtain(client, username, password)

    assert response.status_code == 401
    assert response.json() == {"detail": "用户名或密码不正确。"}
    assert not ApiToken.objects.exists()


def test_missing_fields_are_rejected_without_a_token(county, client):
    response = client.post(TOKEN_URL, {"username": "zhibu"}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["detail"] == "请求参数不正确。"
    assert not ApiToken.objects.exists()


def test_inactive_account_gets_no_token(county, client):
    user = county.users["zhibu"]
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = _obtain(client, "zhibu", PASSWORD)

    assert response.status_code == 401
    assert not ApiToken.objects.exists()


def test_expired_account_gets_no_token(county, client):
    user = county.users["zhibu"]
    user.expires_on = timezone.localdate() - timedelta(days=1)
    user.save(update_fields=["expires_on"])

    response = _obtain(client, "zhibu", PASSWORD)

    assert response.status_code == 403
    assert "有效期" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_account_that_must_change_its_password_gets_no_token(county, client):
    user = county.users["zhibu"]
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])

    response = _obtain(client, "zhibu", PASSWORD)

    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_lockout_applies_to_the_token_endpoint(county, client):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [_obtain(client, "zhibu", "wrong-password").status_code for _ in range(limit)]

    assert statuses == [401] * (limit - 1) + [429]
    # The right password no longer helps while the account is locked, and the answer stays JSON.
    response = _obtain(client, "zhibu", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "锁定" in response.json()["detail"]
    assert not ApiToken.objects.exists()
    assert _events("lockout")


def test_a_successful_token_request_resets_the_failure_count(county, client):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _obtain(client, "zhibu", "wrong-password").status_code == 401
    assert _obtain(client, "zhibu", PASSWORD).status_code == 200
    for _ in range(limit - 1):
        assert _obtain(client, "zhibu", "wrong-password").status_code == 401

    assert _obtain(client, "zhibu", PASSWORD).status_code == 200


def test_bearer_token_authenticates_without_a_session(county, client):
    token = _obtain(client, "zhibu", PASSWORD).json()["token"]

    fresh = Client()
    response = fresh.get("/api/auth/me", headers=_bearer(token))

    assert response.status_code == 200
    assert response.json()["username"] == "zhibu"
    assert response.json()["grants"][0]["org_id"] == county.branch_a1.pk
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-real-token", "Token {token}", "{token}", "Bearer " + "x" * 500],
)
def test_malformed_or_unknown_tokens_are_401(county, client, header):
    token = issue_token(user=county.users["zhibu"]).token

    response = Client().get("/api/auth/me", headers={"Authorization": header.format(token=token)})

    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


def test_expired_token_is_refused(county):
    issued = issue_token(user=county.users["zhibu"])
    ApiToken.objects.filter(pk=issued.record.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = Client().get("/api/members/", headers=_bearer(issued.token))

    assert response.status_code == 401
    assert token_owner(issued.token) is None


def test_token_of_an_account_that_later_expires_is_refused(county):
    issued = issue_token(user=county.users["zhibu"])
    assert Client().get("/api/auth/me", headers=_bearer(issued.token)).status_code == 200
    user = county.users["zhibu"]
    user.expires_on = timezone.localdate() - timedelta(days=1)
    user.save(update_fields=["expires_on"])

    assert Client().get("/api/auth/me", headers=_bearer(issued.token)).status_code == 401


def test_revoke_revokes_only_the_presenting_token(county):
    user = county.users["zhibu"]
    first, second = issue_token(user=user), issue_token(user=user)

    response = Client().post(TOKEN_URL + "/revoke", headers=_bearer(first.token))

    assert response.status_code == 200
    assert Client().get("/api/auth/me", headers=_bearer(first.token)).status_code == 401
    assert Client().get("/api/auth/me", headers=_bearer(second.token)).status_code == 200
    first.record.refresh_from_db()
    assert first.record.revoked_at is not None
    revoked = _events("token_revoked")
    assert len(revoked) == 1 and revoked[0].additional_data["prefix"] == first.record.prefix


def test_revoke_needs_a_bearer_token_not_a_session(county, login):
    client = login(county.users["zhibu"])

    assert client.post(TOKEN_URL + "/revoke").status_code == 401


def test_revoke_all_tokens_service(county):
    user, other = county.users["zhibu"], county.users["zhibu2"]
    mine = [issue_token(user=user) for _ in range(2)]
    theirs = issue_token(user=other)

    count = revoke_all_tokens(user=user, actor=county.users["admin"])

    assert count == 2
    assert all(token_owner(t.token) is None for t in mine)
    assert token_owner(theirs.token) is not None
    event = _events("token_revoked")[0]
    assert event.actor_id == county.users["admin"].pk
    assert event.additional_data["count"] == 2
    assert revoke_all_tokens(user=user, actor=user) == 0  # nothing left, nothing logged
    assert len(_events("token_revoked")) == 1


def _csrf_session_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_session_post_without_csrf_token_is_refused(county):
    user = county.users["zhibu"]
    issued = issue_token(user=user)
    client = _csrf_session_client(user)

    response = client.post(TOKEN_URL + "/revoke-all")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert token_owner(issued.token) is not None


def test_session_post_with_csrf_token_is_accepted(county):
    user = county.users["zhibu"]
    issue_token(user=user)
    client = _csrf_session_client(user)
    secret = "a" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = secret

    response = client.post(TOKEN_URL + "/revoke-all", headers={"X-CSRFToken": secret})

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_bearer_post_needs_no_csrf_token(county):
    issued = issue_token(user=county.users["zhibu"])

    response = Client(enforce_csrf_checks=True).post(
        TOKEN_URL + "/revoke-all", headers=_bearer(issued.token)
    )

    assert response.status_code == 200
    assert token_owner(issued.token) is None


def test_anonymous_post_is_401_not_a_csrf_403(county):
    response = Client(enforce_csrf_checks=True).post(TOKEN_URL + "/revoke-all")

    assert response.status_code == 401
