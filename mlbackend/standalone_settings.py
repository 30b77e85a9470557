"""Settings for the ML backend server run alone: `gunicorn mlbackend.wsgi`.

No database, no sessions, no other app of the project: only the protocol's endpoints,
at the root (http://host:port/version, /training, ...) as Moodle's client expects.
The same environment variables as Moodle's server configure it.
"""

from __future__ import annotations

import os
import secrets

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEBUG = False
# Nothing here is signed (no sessions, no CSRF): a per-process key is enough.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",") if h
]

INSTALLED_APPS = ["mlbackend"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
ROOT_URLCONF = "mlbackend.standalone_urls"
WSGI_APPLICATION = "mlbackend.wsgi.application"
DATABASES: dict = {}
USE_I18N = False
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SECURE_CONTENT_TYPE_NOSNIFF = True
if os.environ.get("DJANGO_BEHIND_TLS_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

FORESIGHT_MLBACKEND_USERS = os.environ.get(
    "FORESIGHT_MLBACKEND_USERS"
) or os.environ.get("MOODLE_MLBACKEND_PYTHON_USERS", "")
FORESIGHT_MLBACKEND_DIR = os.environ.get(
    "MOODLE_MLBACKEND_PYTHON_DIR",
    os.path.join(
        os.environ.get("FORESIGHT_DATA_DIR", os.path.join(BASE_DIR, "data")),
        "mlbackend",
    ),
)
FORESIGHT_MLBACKEND_S3_BUCKET = os.environ.get(
    "MOODLE_MLBACKEND_PYTHON_S3_BUCKET_NAME", ""
)
FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES = int(
    os.environ.get("FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES", 500 * 1024 * 1024)
)
FORESIGHT_MLBACKEND_ESTIMATOR = os.environ.get("FORESIGHT_MLBACKEND_ESTIMATOR", "")
# Uploads go to a temporary file beyond this size (Moodle's MOODLE_MLBACKEND_TEMPDIR).
FILE_UPLOAD_TEMP_DIR = os.environ.get("MOODLE_MLBACKEND_TEMPDIR") or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}
