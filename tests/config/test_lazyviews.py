"""Views named in the URLconfs without importing them (config/lazyviews.py).

`manage.py check` no longer imports the site's view modules, so it no longer finds
a view that does not import: these tests load every lazy view of the URLconf.
"""

from __future__ import annotations

from collections.abc import Iterator

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
