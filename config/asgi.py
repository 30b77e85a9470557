"""ASGI entry point of the Foresight site."""

import os

from django.core.asgi import get_asgi_application

from config.lazyviews import lazy_views_load

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_asgi_application()

# Every page's view now, so that a view that cannot be imported stops the server
# from starting (config.lazyviews).
lazy_views_load()
