"""Helpers for the API tests: a client acting as a county user, by session or by bearer token."""

import pytest
from django.test import Client

from dangjian.accounts.tokens import issue_token


class ApiCaller:
    """A test client that sends the same credentials on every call."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data=None, **extra):
        return self.client.post(
            path, data or {}, content_type="application/json", headers=self.headers, **extra
        )


@pytest.fixture
def caller(county):
    """caller(username or None, mode) -> ApiCaller authenticated that way (None = anonymous)."""

    def _caller(username: str | None, mode: str = "session") -> ApiCaller:
        client = Client()
        if username is None:
            return ApiCaller(client)
        user = county.users[username]
        if mode == "session":
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            return ApiCaller(client)
        issued = issue_token(user=user)
        return ApiCaller(client, {"Authorization": f"Bearer {issued.token}"})

    return _caller
