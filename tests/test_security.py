"""Production settings, security headers on every public page, admin lockout."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path

from core.clientip import client_ip
from core.security import allow_framing
from innovations.models import Innovation

BASE_DIR = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3y-for-tests-only-9f8e7d6c5b4a3928171605f4e3d2c1b0a9z8y7x6w5v4u3"


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        # A production deploy has an SMTP server; without one, start-up logs an error line
        # on stdout (tests/test_email_delivery.py) that would get in the way of the output.
        env={**os.environ, "EMAIL_HOST": "smtp.example.org", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- production settings -----------------------------------------------------


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=STRONG_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_forces_debug_off():
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.SECURE_HSTS_SECONDS)",
        DJANGO_ENV="production",
        SECRET_KEY=STRONG_KEY,
        DEBUG="1",
    )
    assert result.stdout.split() == ["False", "31536000"], result.stderr


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "needs SECRET_KEY"),
        ("django-insecure-development-only-key-do-not-use-in-production", "development key"),
        ("short-but-varied-key-0123456789", "too weak"),
        ("a" * 30 + "b" * 30, "too weak"),
    ],
    ids=["missing", "dev-key", "short", "few-characters"],
)
def test_production_refuses_missing_or_weak_secret_keys(key, message):
    result = run_manage("check", DJANGO_ENV="production", SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_hsts_can_be_switched_off_for_a_first_deploy():
    result = run_manage(
        "check", "--deploy", DJANGO_ENV="production", SECRET_KEY=STRONG_KEY, SECURE_HSTS_SECONDS="0"
    )
    assert "security.W004" in result.stderr + result.stdout


def test_admin_url_comes_from_the_environment():
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.urls import reverse; print(reverse('admin:index'))",
        ADMIN_URL="organisers-7f3k",
    )
    assert result.stdout.strip() == "/organisers-7f3k/", result.stderr


# --- headers on every public page ----------------------------------------------

# Paths of the public pages; "{innovation}" is an approved demo innovation's pk.
# Extend this list when a page is added (feeds, exports, the badge and embed views).
PUBLIC_PAGES = [
    "/",
    "/campaigns/",
    "/campaigns/140in140-2014/",
    "/campaigns/140in140-2014/submit/",
    "/campaigns/140in140-2014/innovations/",
    "/campaigns/140in140-2014/innovations/?theme=digital_inclusion&q=online",
    "/campaigns/140in140-2014/innovations/{innovation}/",
    "/campaigns/140in140-2014/feed/",
    "/campaigns/140in140-2014/export.csv",
    "/campaigns/140in140-2014/export.json",
    "/campaigns/140in140-2014/chart.svg",
    "/organisations/bromford/",
    "/healthz",
    "/no-such-page/",
    "/campaigns/no-such-campaign/",
]

CSP_DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]


@pytest.fixture
def demo(db):
    call_command("load_demo")


def assert_strict_headers(response):
    csp = response["Content-Security-Policy"]
    assert sorted(part.strip() for part in csp.split(";")) == sorted(CSP_DIRECTIVES)
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert len(response["X-Request-ID"]) >= 8


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_every_public_page_sends_the_strict_headers(client, demo, page):
    innovation = Innovation.objects.public().filter(campaign__slug="140in140-2014").first()
    response = client.get(page.format(innovation=innovation.pk))
    if response.streaming:  # read and close an export, as a server would (its cursor with it)
        b"".join(response.streaming_content)
        response.close()
    assert response.status_code in (200, 302, 404)
    assert_strict_headers(response)
    if page != "/healthz":  # JSON, answered before the framing middleware; CSP covers it
        assert response["X-Frame-Options"] == "DENY"


def test_hsts_and_secure_cookies_under_https_in_production(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/campaigns/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_redirected_but_not_the_health_check(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/campaigns/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/campaigns/"
    assert client.get("/healthz").status_code == 200


FRAMEABLE_PAGES = ["/campaigns/140in140-2014/badge.svg", "/campaigns/140in140-2014/embed/"]


@pytest.mark.parametrize("page", FRAMEABLE_PAGES)
def test_the_badge_and_embed_may_be_framed_by_any_site_but_are_otherwise_strict(client, demo, page):
    response = client.get(page)
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors *" in csp
    assert sorted(p.strip() for p in csp.split(";") if "frame-ancestors" not in p) == sorted(
        d for d in CSP_DIRECTIVES if "frame-ancestors" not in d
    )
    assert response["X-Content-Type-Options"] == "nosniff"


# --- framing: only views decorated with allow_framing --------------------------


@allow_framing
def framed_view(request):
    return HttpResponse("<p>53 innovations</p>")


urlpatterns = [path("framed/", framed_view)]


@pytest.mark.urls("tests.test_security")
def test_allow_framing_lets_other_sites_frame_a_view(client):
    response = client.get("/framed/")
    assert "X-Frame-Options" not in response
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors *" in csp
    assert "'none'" not in csp.split("frame-ancestors")[1].split(";")[0]
    assert "script-src 'self'" in csp
    assert framed_view.__name__ == "framed_view"


# --- client IP, as axes and the rate limit see it ------------------------------


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "1.1.1.1, 2.2.2.2", "10.0.0.1"),  # no proxy: X-Forwarded-For is ignored
        (1, "1.1.1.1, 2.2.2.2", "2.2.2.2"),  # one proxy: the address it saw
        (2, "1.1.1.1, 2.2.2.2", "1.1.1.1"),
        (2, "2.2.2.2", "10.0.0.1"),  # fewer hops than proxies: not trusted
        (1, "", "10.0.0.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- admin sign-in: lockout and session expiry ----------------------------------


@pytest.fixture
def organiser(db):
    return User.objects.create_superuser("organiser", "organiser@example.org", "right-password")


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def sign_in(client, username, password, ip="10.0.0.1", **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        **extra,
    )


def test_five_wrong_passwords_lock_that_username_from_that_address_for_an_hour(
    client, organiser, axes_on
):
    for _attempt in range(4):
        response = sign_in(client, "organiser", "wrong", ip="203.0.113.7")
        assert response.status_code == 200  # the login form again, with its error
    response = sign_in(client, "organiser", "wrong", ip="203.0.113.7")
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert b"1 hour" in response.content

    # Even the right password is refused from that address during the cool-off...
    assert sign_in(client, "organiser", "right-password", ip="203.0.113.7").status_code == 429
    # ...and accepted once it is over.
    with time_machine.travel(timedelta(hours=1, minutes=1)):
        response = sign_in(client, "organiser", "right-password", ip="203.0.113.7")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_stranger_cannot_lock_the_organiser_out_from_other_addresses(client, organiser, axes_on):
    for _attempt in range(5):
        sign_in(client, "organiser", "wrong", ip="203.0.113.7")  # address A
    assert sign_in(client, "organiser", "right-password", ip="203.0.113.7").status_code == 429
    response = sign_in(client, "organiser", "right-password", ip="198.51.100.1")  # address B
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_moderators_failures_do_not_lock_colleagues_at_the_same_office(
    client, organiser, axes_on
):
    User.objects.create_user("moderator", password="moderator-password", is_staff=True)
    office = "192.0.2.10"  # everyone at the housing association shares it
    for _attempt in range(5):
        sign_in(client, "moderator", "wrong", ip=office)
    assert sign_in(client, "moderator", "moderator-password", ip=office).status_code == 429
    response = sign_in(client, "organiser", "right-password", ip=office)
    assert response.status_code == 302


def test_an_address_trying_many_usernames_is_locked_for_every_username(
    client, organiser, axes_on, settings
):
    assert settings.AXES_ADDRESS_USERNAME_LIMIT == 10
    for n in range(9):
        sign_in(client, f"guess{n}", "wrong", ip="203.0.113.7")
    # Nine different usernames: still mistakes, perhaps; the organiser can sign in.
    assert sign_in(client, "organiser", "right-password", ip="203.0.113.7").status_code == 302
    client.logout()
    response = sign_in(client, "guess9", "wrong", ip="203.0.113.7")
    assert response.status_code == 429
    assert sign_in(client, "organiser", "right-password", ip="203.0.113.7").status_code == 429
    # Only that address.
    assert sign_in(client, "organiser", "right-password", ip="198.51.100.1").status_code == 302


def test_lockout_uses_the_address_the_trusted_proxy_saw(client, organiser, axes_on, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        sign_in(client, f"guess{n}", "wrong", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    locked = sign_in(
        client, "organiser", "right-password", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert locked.status_code == 429
    # Another client behind the same proxy is not locked out.
    other = sign_in(
        client, "organiser", "right-password", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert other.status_code == 302


def test_staff_sessions_end_after_eight_hours(client, organiser, axes_on):
    assert sign_in(client, "organiser", "right-password").status_code == 302
    assert client.session.get_expire_at_browser_close()
    assert client.get("/admin/").status_code == 200
    with time_machine.travel(timedelta(hours=8, minutes=1)):
        response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


PRINT_COOKIE_FLAGS = (
    "from django.conf import settings; "
    "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["True", "True"]),
        ({"SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"}, ["False", "False"]),
        ({"SESSION_COOKIE_SECURE": "0"}, ["False", "True"]),
        ({"CSRF_COOKIE_SECURE": "off"}, ["True", "False"]),
    ],
    ids=["default-on", "both-off", "session-off", "csrf-off"],
)
def test_production_reads_secure_cookie_flags_from_the_environment(env, expected):
    clean = {"SESSION_COOKIE_SECURE": "", "CSRF_COOKIE_SECURE": "", **env}
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        PRINT_COOKIE_FLAGS,
        DJANGO_ENV="production",
        SECRET_KEY=STRONG_KEY,
        **clean,
    )
    assert result.stdout.split() == expected, result.stderr
