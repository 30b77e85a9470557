"""WSGI entry point of the standalone ML backend server: `gunicorn mlbackend.wsgi`.

Uses mlbackend.standalone_settings (no database) unless DJANGO_SETTINGS_MODULE says
otherwise.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlbackend.standalone_settings")

application = get_wsgi_application()
