# The standalone ML backend server (Moodle's Python ML backend protocol).
#   docker build -t foresight-mlbackend .
#   docker run -p 5000:5000 -e MOODLE_MLBACKEND_PYTHON_USERS=default:change-me \
#       -v foresight-models:/data/models foresight-mlbackend
# It needs no database and contains only the mlbackend package.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=mlbackend.standalone_settings \
    MOODLE_MLBACKEND_PYTHON_DIR=/data/models \
    FORESIGHT_ML_THREADS=1 \
    WEB_CONCURRENCY=2

WORKDIR /app

# Only what the server imports, at the versions pinned for the whole project.
COPY requirements.txt /tmp/requirements.txt
RUN grep -E '^(Django|numpy|scipy|scikit-learn|skops|matplotlib|boto3|gunicorn)==' \
        /tmp/requirements.txt > /tmp/server-requirements.txt \
    && pip install --no-cache-dir -r /tmp/server-requirements.txt \
    && rm /tmp/requirements.txt /tmp/server-requirements.txt

COPY mlbackend/ /app/mlbackend/

RUN useradd --system --uid 10001 --home-dir /app mlbackend \
    && mkdir -p /data/models \
    && chown mlbackend /data/models
USER mlbackend
ENV MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/data/models"]
EXPOSE 5000

HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/version', timeout=4)"

CMD ["sh", "-c", "exec gunicorn mlbackend.wsgi --bind 0.0.0.0:5000 --workers ${WEB_CONCURRENCY} --threads 4 --timeout 900 --no-control-socket --access-logfile -"]
