"""URL patterns whose views are imported on first use, not when the URLconf loads.

Every command runs the system checks, and the URL checks load the whole URLconf:
a view module imported there is imported by every `manage.py` command. Views whose
modules are heavy and that only requests need are given as a `LazyView`, which
imports them at the first request (or the first look at the view's attributes, as
the OpenAPI schema generator and the first `reverse()` do): the API (Django REST
framework, drf-spectacular), and the site's pages through `LazyViews` (the
analysis and backtest services, the JWT library of LTI, the Prometheus client).
tests/config/test_lazyviews.py loads every one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string


class LazyView:
    """A view loaded by `load()` on first use; it then stands for that view.

    Attributes are the loaded view's (`cls`, `actions`, `csrf_exempt`, ...), so the
    middleware, REST framework and the schema generator see the real view. Once
    loaded it also takes the view's name and module, so a resolved URL names the
    view as it did before (ResolverMatch and `lookup_str` load it first: they ask
    for `view_class`). Given by dotted `path`, it has that name until then.
    """

    def __init__(
        self, load: Callable[[], Callable[..., Any]], *, path: str = ""
    ) -> None:
        self._load = load
        self._view: Callable[..., Any] | None = None
        self._path = path
        if path:
            self.__module__, _dot, self.__name__ = path.rpartition(".")
            self.__qualname__ = self.__name__

    @property
    def view(self) -> Callable[..., Any]:
        view = self._view
        if view is None:
            view = self._load()
            # The names first, the view last: a thread that sees the view loaded
            # also sees its names (URLPattern.lookup_str caches what it reads).
            for name in ("__module__", "__name__", "__qualname__"):
                if hasattr(view, name):
                    setattr(self, name, getattr(view, name))
            self._view = view
        return view

    def __call__(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return self.view(request, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # Only called for what this object lacks; private names stay its own, so
        # a half-built object (copy, pickle) never loads the view.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.view, name)


def lazy_views_load(urlconf: str | None = None) -> int:
    """Load every LazyView of the URLconf now; how many there are.

    The web server calls it when it starts (config/wsgi.py, config/asgi.py), so a
    view module that cannot be imported (a missing library in an image) stops the
    worker from booting, as before views were lazy, instead of leaving a green
    /healthz in front of pages that fail. Commands stay lean: they never call it.
    """
    from django.urls import URLPattern, URLResolver, get_resolver

    loaded = 0
    pending = [get_resolver(urlconf)]
    while pending:
        for pattern in pending.pop().url_patterns:
            if isinstance(pattern, URLResolver):
                pending.append(pattern)
            elif isinstance(pattern, URLPattern) and isinstance(
                pattern.callback, LazyView
            ):
                pattern.callback.view  # noqa: B018 - loading it is the point
                loaded += 1
    return loaded


def view_at(path: str) -> LazyView:
    """The view at the dotted `path` ("lti.views.launch"), imported on first use."""
    return LazyView(lambda: import_string(path), path=path)


class LazyViews:
    """A views module that a URLconf names without importing it.

    `views = LazyViews("insights.views")` stands for `from insights import views`:
    `views.insight_list` is `view_at("insights.views.insight_list")`.
    """

    def __init__(self, module: str) -> None:
        self.module = module

    def __getattr__(self, name: str) -> LazyView:
        if name.startswith("_"):
            raise AttributeError(name)
        return view_at(f"{self.module}.{name}")
