"""WSGI entry point of the Foresight site."""

import os

from django.core.wsgi import get_wsgi_application

from config.lazyviews import lazy_views_load

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Every page's view now, so that a view that cannot be imported stops the worker
# from booting (config.lazyviews).
lazy_views_load()
