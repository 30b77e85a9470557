"""URL patterns whose views are imported on first use, not when the URLconf loads.

Every command runs the system checks, and the URL checks load the whole URLconf:
a view module imported there is imported by every `manage.py` command. Views whose
modules are heavy and that only requests need (the API: Django REST framework and
drf-spectacular) are given as a `LazyView`, which imports them at the first request
(or the first look at the view's attributes, as the OpenAPI schema generator does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class LazyView:
    """A view loaded by `load()` on first use; it then stands for that view.

    Attributes are the loaded view's (`cls`, `actions`, `csrf_exempt`, ...), so the
    middleware, REST framework and the schema generator see the real view.
    """

    def __init__(self, load: Callable[[], Callable[..., Any]]) -> None:
        self._load = load
        self._view: Callable[..., Any] | None = None

    @property
    def view(self) -> Callable[..., Any]:
        if self._view is None:
            self._view = self._load()
        return self._view

    def __call__(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return self.view(request, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # Only called for what this object lacks; private names stay its own, so
        # a half-built object (copy, pickle) never loads the view.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.view, name)
