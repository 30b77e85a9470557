"""Django settings for Foresight.

Everything that differs between deployments comes from the environment (see
.env.example). The defaults let a fresh checkout migrate, run the demo and pass the
tests with no variable set: SQLite, an embedded (filesystem) Celery broker and the
console email backend.
"""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; real environment variables win

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="django-insecure-development-key-set-DJANGO_SECRET_KEY-in-production",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Where the site keeps what it writes at run time (SQLite file, trained models,
# the embedded broker's queue). Shared storage when several nodes run.
FORESIGHT_DATA_DIR = Path(env("FORESIGHT_DATA_DIR", default=str(BASE_DIR / "data")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "axes",
    "access",
    "lms",
    "logstore",
    "settings_app",
    "models_app",
    "insights",
    "mlbackend",
    "moodlesync",
    "ops",
    "lti",
    # REST framework without its template tags (config/apps.py).
    "config.apps.RestFrameworkResources",
    "drf_spectacular",
    "api",
    # Last: ends manage.py's start-up pause of the garbage collector.
    "config.apps.ProjectConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lti.middleware.LtiFrameMiddleware",  # cookies and framing for LTI launches
    "django.contrib.sessions.middleware.SessionMiddleware",
    "settings_app.middleware.BrowserLocaleMiddleware",  # Accept-Language on /admin/
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "insights.context_processors.notifications",
                "models_app.context_processors.manage_models",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

SQLITE_URL = f"sqlite:///{FORESIGHT_DATA_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db("DATABASE_URL", default=SQLITE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Created here so that a fresh checkout needs no step. When it cannot be (a
    # typo, a read-only mount), the first connection says so in one line.
    with contextlib.suppress(OSError):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server, the worker and beat share the file without
    # "database is locked" errors; the timeout covers the remaining short waits.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
# The SQLite test database is a file (not in memory) so that the Celery worker and
# servers started by the integration tests see the same data; one per test process.
_default_test_name = (
    str(FORESIGHT_DATA_DIR / f"test-{os.getpid()}.sqlite3")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    else None
)
DATABASES["default"]["TEST"] = {
    "NAME": env("DJANGO_TEST_DATABASE_NAME", default=_default_test_name)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account before any password is checked.
    "config.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Answers has_perm("analytics:listinsights", obj) by Moodle's rules.
    "access.backends.CapabilityBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# Foresight's own catalogue, then the texts of third-party apps whose packages ship
# no Spanish (locale-thirdparty/; Foresight's wins where both have a text).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-thirdparty"]
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the site's stylesheet
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Teachers and managers are not staff: they log in on the site's own page.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "insights:list"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes), on the site's and the admin's login pages: this
# many failed logins in a row lock the account, from any address, for this many
# minutes (Moodle's lockout threshold and window). Per account so that guesses
# spread over many addresses are stopped too; per address would lock out a whole
# campus behind one NAT. A success resets the count; an administrator unlocks
# early in Admin > Axes > Access attempts or with `manage.py axes_reset_username`.
AXES_FAILURE_LIMIT = env.int("FORESIGHT_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(
    minutes=env.int("FORESIGHT_LOGIN_LOCKOUT_MINUTES", default=15)
)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.login_throttle.login_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# axes.W006 asks for the address among the lockout keys because a key that the
# client chooses (user agent, cookie) can be rotated; an account cannot be: trying
# another username attacks another account, which has its own count.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# The site's public address, for links in emails (notifications are sent by workers,
# which have no request to build URLs from).
FORESIGHT_SITE_URL = env("FORESIGHT_SITE_URL", default="")

# Security: production turns these on through the environment (.env.example).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
    else None
)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# e.g. smtp+tls://user:password@smtp.example.org:587. Unset: each email is a file
# in <data>/emails (commands such as predict_models print a summary, not emails).
EMAIL_CONFIG = env.email(
    "DJANGO_EMAIL_URL", default=f"filemail:///{FORESIGHT_DATA_DIR / 'emails'}"
)
vars().update(EMAIL_CONFIG)
# Seconds an email worker waits on a mail server that stalls (then it retries later).
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="foresight@localhost")
# Emails are sent by a Celery task (insights.emails): when the mail server fails it
# retries this many times, waiting about RETRY_DELAY seconds, then twice that, ...
# (at random up to that, so workers do not retry together), then marks it failed.
FORESIGHT_EMAIL_RETRIES = env.int("FORESIGHT_EMAIL_RETRIES", default=5)
FORESIGHT_EMAIL_RETRY_DELAY = env.int("FORESIGHT_EMAIL_RETRY_DELAY", default=30)

# Celery. The default broker is the filesystem transport: it needs no server, so the
# demo runs a worker and beat on one machine. Production uses Redis or RabbitMQ.
# "localhost" only names the machine: the folders below are the broker (kombu warns
# about a URL without a host otherwise).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost/")
_BROKER_DIR = FORESIGHT_DATA_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {}
)
# No result backend by default: nothing reads task results (ModelLog records each
# run's outcome). "django-db" (django-celery-results, no longer installed) is read
# as none so that an older .env keeps working; it is dropped from the environment
# too, because Celery reads CELERY_RESULT_BACKEND there before these settings.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="") or None
if CELERY_RESULT_BACKEND == "django-db":
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    CELERY_RESULT_BACKEND = None
CELERY_RESULT_EXTENDED = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Seconds a model's run lock lives without its heartbeat: a killed worker frees
# its model this long after it died (models_app.services.running). 0: the default.
FORESIGHT_MODEL_LOCK_TTL = env.int("FORESIGHT_MODEL_LOCK_TTL", default=0)
# On a log of a million rows or more (PostgreSQL, or SQLite in a file), each
# chunk's log aggregate is split by course over this many database connections at
# once (one query groups its rows in one process). 1 turns it off.
FORESIGHT_ANALYSIS_DB_CONNECTIONS = max(
    1, env.int("FORESIGHT_ANALYSIS_DB_CONNECTIONS", default=2)
)

# The ML backend server (a Foresight one or Moodle's moodlemlbackend) that the
# `mlbackend` predictions processor talks to. The URL and user are settings rows;
# the password may come from here instead so it never sits in the database.
FORESIGHT_MLBACKEND_PASSWORD = env("FORESIGHT_MLBACKEND_PASSWORD", default="")

# The ML backend server mounted in this site (and run standalone by mlbackend.wsgi).
FORESIGHT_MLBACKEND_USERS = env(
    "FORESIGHT_MLBACKEND_USERS",
    default=env("MOODLE_MLBACKEND_PYTHON_USERS", default=""),
)
FORESIGHT_MLBACKEND_DIR = env(
    "MOODLE_MLBACKEND_PYTHON_DIR", default=str(FORESIGHT_DATA_DIR / "mlbackend")
)
FORESIGHT_MLBACKEND_S3_BUCKET = env(
    "MOODLE_MLBACKEND_PYTHON_S3_BUCKET_NAME", default=""
)
FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES = env.int(
    "FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES", default=500 * 1024 * 1024
)

# Logs go to stderr, as plain lines or (FORESIGHT_LOG_FORMAT=json) one JSON object
# per line for a log collector. Celery's worker keeps this format instead of its own.
FORESIGHT_LOG_FORMAT = env("FORESIGHT_LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "ops.logformat.JsonFormatter"},
    },
    "filters": {
        "no_403_traceback": {"()": "config.logfilters.PermissionDeniedWithoutTraceback"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if FORESIGHT_LOG_FORMAT == "json" else "plain",
        }
    },
    # A 403 is logged as one warning line, without the PermissionDenied traceback.
    "loggers": {"django.request": {"filters": ["no_403_traceback"]}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = FORESIGHT_LOG_FORMAT != "json"

# The read-only JSON API (api/): per-user hashed tokens, or the site's login for a
# browser; throttled per user (FORESIGHT_API_RATE) and per address without a login.
# Throttle counts live in the default cache: per process unless it is shared.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("FORESIGHT_API_RATE", default="1000/hour"),
        "anon": env("FORESIGHT_API_ANON_RATE", default="60/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Foresight API",
    "DESCRIPTION": "Read-only access to analytics models, insights and predictions, "
    "with the visibility of the site's pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# /metrics: a Prometheus scraper sends "Authorization: Bearer <this>"; empty means
# only logged-in staff may read the metrics.
FORESIGHT_METRICS_TOKEN = env("FORESIGHT_METRICS_TOKEN", default="")

# --- Sync from a Moodle site (moodlesync): a read-only account on its database ---
MOODLE_DATABASE_URL = env("MOODLE_DATABASE_URL", default="")
MOODLE_DB_PREFIX = env("MOODLE_DB_PREFIX", default="mdl_")
MOODLE_WWWROOT = env("MOODLE_WWWROOT", default="")
