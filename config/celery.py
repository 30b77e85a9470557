"""The Celery app: configuration comes from Django's settings (CELERY_ prefix)."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("foresight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def broker_folders_create(sender: Celery, **kwargs) -> None:
    """The embedded (filesystem) broker needs its folders before anyone sends or
    receives: create them wherever the app is configured (worker, beat, web, shell)."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
