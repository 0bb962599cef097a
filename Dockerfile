# The one image for the web app, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed, numeric id, so that USER below names it by number: a cluster that allows only
# non-root containers (runAsNonRoot) can tell from the number that it is not root.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when pyproject.toml or the lock changes.
# The project installs no modules of its own (py-modules = []), only its dependencies, at the
# versions in requirements.lock (`make lock`); a lock that no longer fits pyproject.toml's
# pins stops the build.
COPY pyproject.toml requirements.lock ./
RUN pip install -c requirements.lock . && rm -rf build ./*.egg-info

COPY . .

# Static files are collected into the image (whitenoise serves them, compressed and with
# hashed names). The key only satisfies settings at build time; it is never used to sign.
# var/ is the only place the app writes to (beat's schedule file), so only it belongs to app.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret ALLOWED_HOSTS=localhost \
        NOTES_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXNlY3JldC0= \
        python manage.py collectstatic --noinput \
    && chown -R app:app /app/var

USER 10001:10001
EXPOSE 8000

CMD ["gunicorn", "intervision.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
