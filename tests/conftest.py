import pytest
from support import build_county


@pytest.fixture
def county(db):
    return build_county()


@pytest.fixture
def login(client):
    """Log a test client in as one of the county's users."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login
