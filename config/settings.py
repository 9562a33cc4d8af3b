"""Settings for 140in140, read from the environment with safe defaults.

One module for every environment: variables switch behaviour (see README's
configuration table). `DJANGO_ENV=production` turns on the production hardening.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import release

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "django-insecure-development-only-key-do-not-use-in-production"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Development tools (the demo, synthetic data, the benchmark's bare view): installed
# with DEBUG, or when asked for with DEV_TOOLS=1 (tests, `make bench`, which measures
# production settings). Never set DEV_TOOLS on a production site.
DEV_TOOLS = (DEBUG and not PRODUCTION) or env_bool("DEV_TOOLS")

# The project's apps, lowest layer first; docs/architecture.md explains the order.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "core",
    "organisations",
    "campaign",
    "innovations",
    *(["dev"] if DEV_TOOLS else []),
]

MIDDLEWARE = [
    # Request id and timing first, so the log line covers everything below.
    "config.middleware.RequestIdMiddleware",
    # HEAD: headers only, whoever answered (see core/http.py).
    "core.http.HeadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    # Answers /healthz and /readyz before the Host header is checked (load balancers
    # call by address).
    "config.health.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL in the query string or a form body that is not UTF-8: the 400 page.
    "core.http.ReadableRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETags and 304 Not Modified for every page that may be cached (core.caching).
    "django.middleware.http.ConditionalGetMiddleware",
    "core.http.AllowedMethodsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
                "campaign.context_processors.site_words",
            ],
        },
    },
]

# Database: SQLite file by default (the embedded default); DATABASE_URL for PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers: take the write lock at BEGIN, wait for it, and let
    # readers carry on beside a writer (WAL), instead of "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests on a file too (not Django's shared in-memory database, where a second
    # writer fails at once with "table is locked"), so concurrency tests run as here.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by every worker: rate limits and
# page caches need that); local memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Sites (or test runs) sharing one Redis keep apart by prefix.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "140in140"),
            # A cache that is down or frozen costs about a second, then core.caching
            # leaves it alone for a few seconds and serves from the database.
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT", "1")),
                "SOCKET_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT", "1")),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "140in140",
        }
    }

# How long a shared cache (nginx in front) may keep a public page: a few seconds,
# so the tally seen through it is never older than that (core.caching).
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "1"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded pictures (innovations.pictures) go through the default storage: files under
# MEDIA_ROOT served at MEDIA_URL (by nginx in production, by Django only when DEBUG),
# or an S3-compatible bucket when MEDIA_S3_BUCKET is set (django-storages).
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
            "custom_domain": os.environ.get("MEDIA_S3_CUSTOM_DOMAIN") or None,
            # Pictures are public once approved; their names are random, never listed.
            "querystring_auth": False,
            "default_acl": None,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: SMTP when EMAIL_HOST is set; else the console (development) or nowhere (production).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "140in140 <noreply@localhost>")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
elif PRODUCTION:
    # Never print emails (names, addresses) into production logs: send nothing, warn.
    EMAIL_BACKEND = "core.mail.UnsentEmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A mail server that accepts the connection and then hangs must not hold a worker for long.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# How many times an email is tried before it is marked failed in admin (with backoff:
# 20 s, 40 s, 80 s, 160 s, then every 5 minutes: 30 tries is about 2 hours).
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "30"))

# Background jobs (django-tasks with its database backend): rows in the project's own
# database, run by `python manage.py db_worker`. Every email is sent by a job.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# The public name of the site and its absolute base URL (for canonical links,
# feeds and share links when there is no request at hand).
SITE_NAME = os.environ.get("SITE_NAME", "140in140")
# Part of every cached page's key and ETag: a deploy shows its changes at once.
RELEASE = release.identify(BASE_DIR)
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Security and operations: the README's configuration table lists the variables and
# docs/operations.md explains them.

# Keys that must never sign anything in production (the development default above).
KNOWN_DEV_SECRET_KEYS = {"django-insecure-development-only-key-do-not-use-in-production"}


def production_secret_key(value):
    """The production SECRET_KEY, refused when missing, a known development key, or
    weak by Django's own measure (security.W009: fewer than 50 characters or fewer
    than 5 different characters, or the 'django-insecure-' prefix)."""
    if not value:
        raise ImproperlyConfigured("DJANGO_ENV=production needs SECRET_KEY in the environment.")
    if value in KNOWN_DEV_SECRET_KEYS or value.startswith("django-insecure-"):
        raise ImproperlyConfigured("SECRET_KEY is a development key; generate a new one.")
    if len(value) < 50 or len(set(value)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak: use at least 50 characters with at least 5 different "
            "ones, e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    return value


if PRODUCTION:
    DEBUG = False
    SECRET_KEY = production_secret_key(os.environ.get("SECRET_KEY", ""))
    # Behind a reverse proxy that terminates TLS. SECURE_PROXY_SSL_HEADER trusts the
    # X-Forwarded-Proto header: only safe when the proxy always sets (overwrites) it
    # and the app cannot be reached except through the proxy.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Cookies only over HTTPS. Off only where the site is served over plain HTTP on
    # purpose (the benchmark on 127.0.0.1): SESSION_COOKIE_SECURE=0, CSRF_COOKIE_SECURE=0.
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    # HSTS: one year, subdomains, preload. For a first deploy, while you are not yet
    # sure HTTPS works everywhere, set SECURE_HSTS_SECONDS=0 (browsers remember HSTS).
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Fail fast (503) rather than hang when the database cannot be reached.
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault(
            "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
        )
# Where collectstatic writes (default: staticfiles/ in the project, as in the image).
if os.environ.get("STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["STATIC_ROOT"])

# Load balancers and the Docker HEALTHCHECK call /healthz over plain HTTP inside
# the network: never redirect it to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Headers (SecurityMiddleware; X-Content-Type-Options: nosniff is Django's default).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# Content Security Policy (django-csp 4). No inline scripts or styles anywhere; only
# the embed and badge views may be framed (core.security.allow_framing).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Pictures from a bucket on another origin may be shown too.
for _origin in (os.environ.get("MEDIA_S3_CUSTOM_DOMAIN"), os.environ.get("MEDIA_S3_ENDPOINT_URL")):
    if MEDIA_S3_BUCKET and _origin:
        _origin = _origin if "://" in _origin else f"https://{_origin}"
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_origin.rstrip("/"))

# Staff sessions (the only sessions: the public site has no accounts) expire.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# How many reverse proxies append to X-Forwarded-For in front of the app; see
# config/clientip.py. 0: trust only REMOTE_ADDR.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# The admin lives at ADMIN_URL (config/urls.py), e.g. "organisers-7f3k/".
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"

# django-axes: after repeated failed sign-ins, lock the username from that address (not
# from everywhere: a stranger must not be able to lock the organiser out), and lock an
# address that tries many usernames; for an hour. See core/lockout.py. Attempts are stored
# in the database, so every worker and every app server sees them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = "core.lockout.lockout_parameters"
AXES_ADDRESS_USERNAME_LIMIT = int(os.environ.get("AXES_ADDRESS_USERNAME_LIMIT", "10"))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"
AXES_LOCKOUT_TEMPLATE = "lockout.html"
# Staff can reset a forgotten password by email (core/passwords.py); the link lasts a day.
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
PASSWORD_RESET_EMAILS_PER_HOUR = 3
AXES_VERBOSE = False


# Logging: JSON lines on stdout, each with the request id. One line per request
# (config.requests), every refused or discarded submission (innovations.submissions).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        # runserver's own access log would duplicate config.requests.
        "django.server": {"handlers": [], "level": "WARNING", "propagate": False},
        "config.requests": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "innovations.submissions": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "innovations.ratelimit": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        "core.mail": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "innovations.emails": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "django_tasks": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "django_tasks_db": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}

# Innovations (not submissions) allowed in a window, as "count/seconds" ("20/600": twenty
# in ten minutes); "0" or empty turns one off (the benchmark needs that). Per network
# address, loose (an office's staff share one address); per sender email, tight. Read when
# a submission arrives, so tests can override them.
SUBMISSION_RATE_LIMIT = os.environ.get("SUBMISSION_RATE_LIMIT", "100/600")
SUBMISSION_SENDER_RATE_LIMIT = os.environ.get("SUBMISSION_SENDER_RATE_LIMIT", "20/600")

# Receipt emails one address may get per hour ("0" turns the limit off): anyone can type
# anyone's address into the form. See innovations/receipts.py.
RECEIPT_EMAILS_PER_HOUR = int(os.environ.get("RECEIPT_EMAILS_PER_HOUR", "3"))

# "We do this too" / "We'd like to try this": responses sent from one client address.
RESPONSE_RATE_LIMIT = os.environ.get("RESPONSE_RATE_LIMIT", "20/3600")
# "Ask the innovator": messages from one asker's address, and to one innovation.
QUESTION_LIMIT_PER_ASKER = os.environ.get("QUESTION_LIMIT_PER_ASKER", "10/3600")
QUESTION_LIMIT_PER_INNOVATION = os.environ.get("QUESTION_LIMIT_PER_INNOVATION", "30/86400")
