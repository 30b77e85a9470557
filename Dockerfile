# syntax=docker/dockerfile:1
# Two images from one file, both on the same pinned base and as a non-root user:
#
#   docker build --target site -t foresight-site .     the site: web (gunicorn),
#                                                      Celery worker and beat
#   docker build -t foresight-mlbackend .              the standalone ML backend
#                                                      server (the default target)
#
# compose.yaml builds and runs both (the ML server under the "mlbackend" profile).
# The ML server needs no database and contains only the mlbackend package:
#   docker run -p 5000:5000 -e MOODLE_MLBACKEND_PYTHON_USERS=default:change-me \
#       -v foresight-models:/data/models foresight-mlbackend
#
# The base is pinned by digest (the multi-platform index of python:3.11-slim-bookworm,
# 3.11.16) so that a rebuild uses the same system; refresh it deliberately with
#   docker buildx imagetools inspect python:3.11-slim-bookworm
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    FORESIGHT_ML_THREADS=1 \
    WEB_CONCURRENCY=2

# --- Build stages: a virtual environment each, copied whole into its image ---
FROM base AS site-build
# The runtime lock: every package pinned, and refused unless its hash matches.
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.lock

FROM base AS mlbackend-build
# Only what the server imports, at the versions the site's lock has, with hashes.
COPY requirements-mlbackend.lock /tmp/requirements-mlbackend.lock
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes -r /tmp/requirements-mlbackend.lock

# --- The site: web, worker and beat (one image, three commands) ---
FROM base AS site
ENV PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    FORESIGHT_DATA_DIR=/data \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage
WORKDIR /app
COPY --from=site-build /opt/venv /opt/venv
COPY . /app
# Catalogues, static files and byte code are built into the image; nothing is written
# to /app at run time (every command would otherwise compile Foresight's modules
# again: about 0.15 s of each start). The key below only lets settings load during
# the build.
RUN python bin/compile_messages.py \
    && python -m compileall -q -x '/(tests|bench)/' /app \
    && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v0 \
    && useradd --system --uid 10001 --home-dir /app foresight \
    && mkdir -p /data/models \
    && chown -R foresight /data
USER foresight
VOLUME ["/data/models"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["sh", "-c", "exec gunicorn config.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY} --timeout 120 --no-control-socket --access-logfile -"]

# --- The standalone ML backend server (last, so a plain `docker build` makes it) ---
FROM base AS mlbackend
ENV PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=mlbackend.standalone_settings \
    MOODLE_MLBACKEND_PYTHON_DIR=/data/models
WORKDIR /app
COPY --from=mlbackend-build /opt/venv /opt/venv
COPY mlbackend/ /app/mlbackend/
RUN useradd --system --uid 10001 --home-dir /app mlbackend \
    && mkdir -p /data/models \
    && chown mlbackend /data/models
USER mlbackend
VOLUME ["/data/models"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/version', timeout=4)"
CMD ["sh", "-c", "exec gunicorn mlbackend.wsgi --bind 0.0.0.0:5000 --workers ${WEB_CONCURRENCY} --threads 4 --timeout 900 --no-control-socket --access-logfile -"]
