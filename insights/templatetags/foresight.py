"""Template filters every page shares: one way to write dates and times.

Pages used DATETIME_FORMAT, SHORT_DATETIME_FORMAT and SHORT_DATE_FORMAT side by
side ("Dec. 1, 2026, 9:38 a.m." next to "11/16/2026"), and a sentence ending in
"a.m." got a double period. `when` and `day` give one format everywhere, in the
page's language, with no abbreviation dot: "1 Dec 2026, 09:38", "1 Dec 2026".
`run_result` and `interval_label` name a stored key (a run's result, an analysis
interval) in the page's language.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.timezone import is_aware, localtime

register = template.Library()

WHEN = "j M Y, H:i"
DAY = "j M Y"


def _format(value: Any, pattern: str) -> str:
    if value in (None, ""):
        return ""
    if hasattr(value, "hour") and is_aware(value):
        value = localtime(value)
    if not (translation.get_language() or "en").startswith("en"):
        # "M" capitalises the month ("Dic"); Spanish writes it in lower case.
        pattern = pattern.replace("M", "b")
    return date_format(value, pattern)


@register.filter
def when(value: Any) -> str:
    """A date and time: "1 Dec 2026, 09:38"."""
    return _format(value, WHEN)


@register.filter
def day(value: Any) -> str:
    """A date: "1 Dec 2026"."""
    return _format(value, DAY)


@register.filter
def run_result(value: Any) -> str:
    """A model run's stored result ("warning") as its label ("Finished with warnings")."""
    from models_app.models import ModelLog

    return str(dict(ModelLog.Result.choices).get(value, value or ""))


@register.filter
def interval_label(value: Any) -> str:
    """An analysis interval's key ("quarters") as its label; an unknown key as is."""
    from models_app.plugins.registry import interval_label as label

    return label(str(value)) if value else ""
