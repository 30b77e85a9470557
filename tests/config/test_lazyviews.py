"""Views named in the URLconfs without importing them (config/lazyviews.py).

`manage.py check` no longer imports the site's view modules, so it no longer finds
a view that does not import: these tests load every lazy view of the URLconf.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.module_loading import import_string

from config.lazyviews import LazyView, LazyViews


def _patterns(resolver: URLResolver) -> Iterator[URLPattern]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern)
        else:
            yield pattern


LAZY = [p for p in _patterns(get_resolver()) if isinstance(p.callback, LazyView)]
#: Those given by dotted path (LazyViews); the API's come from REST framework's router.
NAMED = [p for p in LAZY if vars(p.callback)["_path"]]


def test_the_site_pages_are_lazy() -> None:
    paths = {vars(p.callback)["_path"].rpartition(".")[0] for p in NAMED}
    assert {"models_app.views", "insights.views", "lti.views", "ops.views"} <= paths


@pytest.mark.parametrize("pattern", LAZY, ids=lambda p: p.name or str(p.pattern))
def test_every_lazy_view_loads(pattern: URLPattern) -> None:
    view = pattern.callback.view
    assert callable(view)
    assert not isinstance(view, LazyView)


@pytest.mark.parametrize("pattern", NAMED, ids=lambda p: p.name)
def test_a_named_lazy_view_is_the_view_of_that_name(pattern: URLPattern) -> None:
    """And Django names it as it named the view itself (insights' views live in
    submodules of the package that the URLconf names)."""
    view = import_string(vars(pattern.callback)["_path"])
    assert pattern.callback.view is view
    assert pattern.lookup_str == f"{view.__module__}.{view.__qualname__}"


def test_a_resolved_page_names_its_view_as_before() -> None:
    from models_app import views

    match = resolve("/analytics/models/")
    assert match.func.view is views.model_list
    assert match._func_path == "models_app.views.model_list"
    assert match.view_name == "models_app:list"
    assert resolve("/insights/")._func_path == "insights.views.insights.insight_list"


def test_the_view_attributes_middleware_reads_are_the_views() -> None:
    """CsrfViewMiddleware reads `csrf_exempt` from the resolved callback."""
    assert resolve("/lti/launch/").func.csrf_exempt is True
    assert getattr(resolve("/analytics/models/").func, "csrf_exempt", False) is False


def test_naming_a_view_imports_nothing() -> None:
    lazy = LazyViews("tests.config.no_such_module").missing_view
    assert (lazy.__module__, lazy.__name__) == (
        "tests.config.no_such_module",
        "missing_view",
    )
    with pytest.raises(ImportError):
        lazy(None)


def _run(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_web_server_loads_every_view_when_it_starts() -> None:
    done = _run(
        "import config.wsgi\n"
        "from django.urls import get_resolver\n"
        "from config.lazyviews import LazyView\n"
        "todo = [get_resolver()]\n"
        "lazy = []\n"
        "while todo:\n"
        "    for p in todo.pop().url_patterns:\n"
        "        if hasattr(p, 'url_patterns'): todo.append(p)\n"
        "        elif isinstance(p.callback, LazyView): lazy.append(p.callback)\n"
        "print(len(lazy), sum(vars(v)['_view'] is not None for v in lazy))\n"
    )
    assert done.returncode == 0, done.stderr
    total, loaded = map(int, done.stdout.split())
    assert total == len(LAZY) and loaded == total


def test_a_view_that_cannot_be_imported_stops_the_web_server_from_starting() -> None:
    """A library missing from an image (here joserfc, which LTI's views import):
    the worker fails to boot, as before views were lazy; commands still start."""
    broken = "import sys; sys.modules['joserfc'] = None\n"
    done = _run(broken + "import config.wsgi\n")
    assert done.returncode != 0
    assert "joserfc" in done.stderr
    check = _run(
        broken + "from django.core.management import call_command\n"
        "import django; django.setup(); call_command('check')\n"
    )
    assert check.returncode == 0, check.stderr
