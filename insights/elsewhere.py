"""Links from a prediction's page to the same people and course on the learning site.

Apps that know the learning site (moodlesync: "Open in Moodle") register a provider
in `link_providers`; insights cannot import them, as they sit beside it. A provider
takes the sample's url arguments (`user_id`, `course_id`, ...) and returns
(label, url) pairs, none when it knows nothing of that sample.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

link_providers: list[Callable[..., list[tuple[str, str]]]] = []


def links_elsewhere(*, url_args: dict[str, Any]) -> list[tuple[str, str]]:
    """Every registered provider's links for a sample, in registration order."""
    links: list[tuple[str, str]] = []
    for provider in link_providers:
        links.extend(provider(url_args=url_args))
    return links
