"""What every part of the sync shares: the run's context, id maps, times, problems.

A part reads what it needs from the Moodle source, writes Foresight rows in bulk
inside one transaction (the runner's), and reports counts and problems. A problem
with one row names the Moodle table and row id and skips that row; a problem with
the part (a missing table, a query refused) raises PartRefused and the runner
rolls the whole part back.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from moodlesync.models import ExternalId
from moodlesync.source import Source

ASCII_DIGITS = re.compile(r"[0-9]+")
MAX_MESSAGES = 50  # per part: the rest are counted, not listed


class PartRefused(Exception):
    """This part cannot be synced as the site is; nothing of it was written."""


@dataclass
class PartResult:
    part: str
    counts: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    problems: int = 0
    refused: str = ""
    cursor: int | None = None
    late_window: dict[str, Any] | None = None  # the log's (SyncState.late_window)
    skipped_ids: list[int] = field(default_factory=list)  # rows named as skipped

    def problem(self, table: str, row_id: Any, text: str, *, prefix: str) -> None:
        """Note a row that was skipped or changed, naming its table and id."""
        self.problems += 1
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(
                _("%(table)s row %(id)s: %(text)s")
                % {"table": f"{prefix}{table}", "id": row_id, "text": text}
            )


@dataclass
class SyncContext:
    """What the parts of one run share."""

    source: Source
    site_timezone: str = "UTC"
    full: bool = False
    dry_run: bool = False
    siteid: int = 1

    @property
    def prefix(self) -> str:
        return self.source.config.prefix

    def t(self, name: str) -> str:
        return self.source.t(name)


def when(value: Any) -> dt.datetime | None:
    """A Moodle Unix time as an aware datetime; 0 and NULL mean "not set"."""
    if value is None:
        return None
    seconds = int(value)
    if seconds <= 0:
        return None
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.00001"))


def zone_known(name: str) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def idmap_load(kind: int) -> dict[int, int]:
    """Moodle id -> Foresight id of one kind."""
    return dict(
        ExternalId.objects.filter(kind=kind).values_list("moodle_id", "local_id")
    )


def idmap_replace(kind: int, mapping: dict[int, int]) -> None:
    """Make the stored map of `kind` exactly `mapping` (few queries, any size)."""
    current = idmap_load(kind)
    gone = [mid for mid in current if mid not in mapping]
    changed = {
        mid for mid, lid in mapping.items() if mid in current and current[mid] != lid
    }
    for start in range(0, len(gone), 5000):
        ExternalId.objects.filter(
            kind=kind, moodle_id__in=gone[start : start + 5000]
        ).delete()
    for chunk in chunks(sorted(changed)):
        ExternalId.objects.filter(kind=kind, moodle_id__in=chunk).delete()
    ExternalId.objects.bulk_create(
        [
            ExternalId(kind=kind, moodle_id=mid, local_id=lid)
            for mid, lid in mapping.items()
            if mid not in current or mid in changed
        ],
        batch_size=2000,
    )


def idmap_add(kind: int, pairs: Iterable[tuple[int, int]]) -> None:
    ExternalId.objects.bulk_create(
        [ExternalId(kind=kind, moodle_id=m, local_id=lid) for m, lid in pairs],
        batch_size=2000,
    )


def chunks(items: list[Any], size: int = 5000) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ascii_int(value: Any) -> int | None:
    """An integer written in ASCII digits (an int, or a string of 0-9), else None:
    str.isdigit() also accepts "²" or "١", which int() then refuses."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and ASCII_DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


def availability_dates(text: str | None) -> list[list[Any]] | None:
    """The date conditions of a Moodle availability tree (JSON), in tree order, as
    [direction, time] ('>=' from, '<' until): what Moodle's analytics reads of it
    (get_all_children of availability_date). None when the JSON is not valid. A
    date condition whose time is not an integer is left out (Moodle refuses it
    as invalid and skips it)."""
    if not text:
        return []
    try:
        tree = json.loads(text)
    except (ValueError, RecursionError):
        return None
    out: list[list[Any]] = []

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if node.get("type") == "date" and node.get("d") in (">=", "<"):
            moment = ascii_int(node.get("t"))
            if moment is not None and 0 <= moment < 2**63:
                out.append([node["d"], moment])
        children = node.get("c")
        for child in children if isinstance(children, list) else []:
            walk(child)

    try:
        walk(tree)
    except RecursionError:
        return None
    return out
