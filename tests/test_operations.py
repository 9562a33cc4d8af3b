"""Health check, error pages, request ids and JSON logging."""

import io
import json
import logging
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.urls import path

from config.errors import server_error
from config.logging import JsonFormatter, RequestIdFilter
from config.urls import handler500  # noqa: F401 (this module is a URLconf in some tests)
from config.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db

# --- /healthz ----------------------------------------------------------------------


def test_healthz_answers_ok_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "cache": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_touches_no_session_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")


def test_healthz_answers_503_when_the_database_does_not(client):
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed')
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "cache": "ok"}
    # and it recovers as soon as the database answers again
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_whatever_the_host_header(client):
    # Load balancers and Docker's HEALTHCHECK call the app by its IP address.
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert client.get("/campaigns/", HTTP_HOST="10.1.2.3:8000").status_code == 400


# --- error pages --------------------------------------------------------------------


def boom(request):
    raise ValueError("a bug")


def database_gone(request):
    raise OperationalError("terminating connection due to administrator command")


urlpatterns = [path("boom/", boom), path("database-gone/", database_gone), *site_urlpatterns]


@pytest.fixture
def failing_client(client, settings):
    settings.ROOT_URLCONF = "tests.test_operations"
    client.raise_request_exception = False
    return client


def test_404_page_is_in_the_site_design(client):
    response = client.get("/campaigns/no-such-campaign/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b'class="site-header"' in response.content
    assert b"<title>Page not found \xc2\xb7 140in140</title>" in response.content


def test_400_page_for_a_disallowed_host(client):
    response = client.get("/campaigns/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert b"Sorry, we could not understand that request" in response.content


def test_403_page_for_a_form_without_its_csrf_token(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    assert response.status_code == 403
    assert b"Please send the form again" in response.content
    assert b'class="site-header"' in response.content


def test_500_page_renders_without_a_request_context(failing_client):
    response = failing_client.get("/boom/")
    assert response.status_code == 500
    assert b"Sorry, something went wrong on our side" in response.content
    assert b"a bug" not in response.content  # no stack trace, no exception text
    assert b"<title>Something went wrong \xc2\xb7 140in140</title>" in response.content
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]

    # and straight from the handler, with no request at all
    direct = server_error(None)
    assert direct.status_code == 500
    assert b"140in140" in direct.content


def test_a_database_outage_gives_the_503_page(failing_client):
    response = failing_client.get("/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"cannot reach our database" in response.content
    assert b"administrator command" not in response.content


# --- request ids and logging -----------------------------------------------------------


@pytest.fixture
def log_lines():
    """What the stdout handler of settings.LOGGING would print, as parsed JSON lines."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("config.requests", "config.health")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_one_json_line_per_request_with_its_id(client, log_lines):
    response = client.get("/campaigns/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = log_lines()
    assert line["logger"] == "config.requests"
    assert line["level"] == "INFO"
    assert line["request_id"] == request_id
    assert line["method"] == "GET"
    assert line["path"] == "/campaigns/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["time"].endswith("Z")


def test_a_well_formed_incoming_request_id_is_kept_and_on_every_record(client, log_lines):
    refused = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-4f9c2a7e-0001")
    assert response["X-Request-ID"] == "lb-4f9c2a7e-0001"
    warning, access = log_lines()
    assert warning["logger"] == "config.health"
    assert "database unavailable" in warning["message"]
    assert {warning["request_id"], access["request_id"]} == {"lb-4f9c2a7e-0001"}


@pytest.mark.parametrize(
    "incoming", ["short", "has spaces in it", "x" * 200, "evil\nINFO fake line", "<script>"]
)
def test_a_malformed_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_extra_fields_and_exceptions_are_kept_in_the_json_line():
    record = logging.LogRecord(
        "innovations.submissions", logging.INFO, __file__, 1, "refused: %s", ("closed",), None
    )
    record.campaign = "140in140-2014"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "refused: closed"
    assert line["campaign"] == "140in140-2014"
    assert line["request_id"] == "-"


def test_refused_submissions_are_logged_at_info():
    assert settings.LOGGING["loggers"]["innovations.submissions"]["level"] == "INFO"
    assert logging.getLogger("innovations.submissions").isEnabledFor(logging.INFO)


def test_successful_health_checks_are_not_logged(client, log_lines):
    assert client.get("/healthz").status_code == 200
    assert log_lines() == []
