import pytest
from django.core.cache import cache

from tests.factories import make_user


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # django-axes needs a request in authenticate(), which Client.login() does not pass;
    # tests/test_security.py turns it back on to test the lockout.
    settings.AXES_ENABLED = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def moderator(client):
    """A staff member in the Moderator group, signed in on `client`."""
    user = make_user(staff=True, groups=["Moderator"])
    client.force_login(user)
    return user
