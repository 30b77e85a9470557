"""The API's routes, written out so the URLconf loads no REST framework, are the
routes REST framework's router makes of the viewsets."""

from __future__ import annotations

from api.urls import router_urls, v1


def _routes(patterns) -> list[tuple[str, str]]:
    return [(p.pattern.regex.pattern, p.name) for p in patterns]


def test_the_written_routes_are_the_routers():
    assert _routes(v1) == _routes(router_urls())


def test_each_route_stands_for_the_routers_view():
    routed = {p.name: p.callback for p in router_urls()}
    for pattern in v1:
        view = pattern.callback
        assert view.cls is routed[pattern.name].cls
        # REST framework adds "head" to a served view's actions.
        assert view.actions["get"] == routed[pattern.name].actions["get"]
        assert view.initkwargs == routed[pattern.name].initkwargs
