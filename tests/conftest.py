import os
import secrets
import time

import pytest
import time_machine
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


# The machine's Redis (127.0.0.1:6379). Each test keeps to its own key prefix, so
# test runs sharing that Redis cannot see each other's keys.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def wait_until(condition, seconds=3.0, what="condition"):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met in {seconds}s")
        time.sleep(0.005)


@pytest.fixture
def redis_cache(settings):
    """The default cache on the machine's Redis, as in production (mark the test `redis`)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": f"test-{secrets.token_hex(6)}",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    yield cache
    cache.delete_pattern("*")  # this test's prefix only


@pytest.fixture(params=["local memory", pytest.param("redis", marks=pytest.mark.redis)])
def each_cache(request):
    """The test twice: on the local-memory cache, and on the machine's Redis."""
    if request.param == "redis":
        request.getfixturevalue("redis_cache")


@pytest.fixture
def one_minute():
    """The clock at the start of a minute, ticking: pages showing the time left are kept
    per minute (core.caching), so a test that expects a cache hit must not cross into the
    next minute between two requests."""
    start = (int(time.time()) // 60 + 1) * 60 + 0.5
    with time_machine.travel(start, tick=True):
        yield
