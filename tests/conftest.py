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


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    """A request with the English cookie activates English for the test's thread (LocaleMiddleware);
    without this, the next test on the same worker would read its messages in English."""
    yield
    from django.utils import translation

    translation.deactivate()
