"""The one clock the LTI code reads, so tests can freeze it at a token's `iat`.

Real Moodle tokens live 60 seconds; tests that verify them replace `now` (and only
this) instead of switching expiry checks off.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def timestamp() -> int:
    """Seconds since the epoch, now."""
    return int(time.time())


def now() -> datetime:
    """The current time as an aware datetime, from `timestamp()`."""
    return datetime.fromtimestamp(timestamp(), tz=UTC)
