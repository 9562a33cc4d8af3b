# syntax=docker/dockerfile:1
# Build: docker build -t 140in140 .   Run: see docker-compose.yml and docs/operations.md.

# Stage 1: install the pinned requirements into a virtualenv.
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements.txt

# Stage 2: the runtime image: the virtualenv, the code, collected static files.
FROM python:3.12-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    PORT=8000
# WeasyPrint (the PDF editions) needs Debian's Pango and HarfBuzz, and fonts to set text in.
# Unpinned: the base image's Debian release fixes the versions; rebuild for security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 --user-group app
WORKDIR /app
COPY --from=build /venv /venv
COPY . .
# collectstatic needs settings to load; this key signs nothing and is not in the
# running container (SECRET_KEY must be given at run time). /app/media (MEDIA_ROOT)
# belongs to the app user: a new volume mounted there (docker-compose.yml) takes
# that owner, so uploads can be written.
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789abcdef \
    python manage.py collectstatic --noinput \
    && install -d -o app -g app /app/media
USER 10001:10001
EXPOSE 8000
# slim has no curl: ask /healthz with the standard library (non-200 raises, exit 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
# Workers, timeouts and logging: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_TIMEOUT, ...).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "config.wsgi"]
