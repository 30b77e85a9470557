"""Application configs of the project package itself.

`RestFrameworkResources` installs REST framework's translations and static files
without its template tags; `ProjectConfig`, last in INSTALLED_APPS,
ends the start-up pause of the garbage collector (see manage.py).
"""

from __future__ import annotations

import gc
from importlib.util import find_spec
from pathlib import Path

from django.apps import AppConfig


def _package_dir(name: str) -> str:
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{name} is not installed (requirements.txt).")
    return str(Path(next(iter(spec.submodule_search_locations))))


class RestFrameworkResources(AppConfig):
    """REST framework, installed from its own directory minus its template tags.

    What Django reads from an installed app's directory (its Spanish error
    messages, "Las credenciales de autenticación no se proveyeron.", and its
    static files) comes from REST framework's package as before. Its template
    tags, which only its HTML renderers use, would be imported by every
    command's template check and load `requests`, its serializers and
    PostgreSQL's form fields with them, about a tenth of a second
    (bench/command_start.py, tests/test_startup.py). Django finds an app's
    template tags by its module name, and this app's module is
    config.restframework, which has none. So REST framework's HTML pages (the
    browsable API, its login page) cannot render here: Foresight's API renders
    JSON only (REST_FRAMEWORK in config/settings.py; tests/api/test_tokens.py
    asserts both).
    """

    name = "config.restframework"
    label = "rest_framework"
    verbose_name = "Django REST framework"
    path = _package_dir("rest_framework")
    default = False

    def ready(self) -> None:
        from rest_framework import checks  # noqa: F401 - registers its check


class ProjectConfig(AppConfig):
    """The project package, last of the apps: its ready() runs once every app's
    models and ready() are loaded."""

    name = "config"
    label = "foresight_config"
    default = False

    def ready(self) -> None:
        # manage.py pauses the collector while Django loads (objects that all
        # live on: collecting them was 0.12 s of each command). Freeze them so
        # that later collections skip them (cyclic garbage made while loading is
        # frozen too, and stays until the process ends).
        if not gc.isenabled():
            gc.freeze()
            gc.enable()
