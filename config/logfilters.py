"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class PermissionDeniedWithoutTraceback(logging.Filter):
    """Keep Django's one-line "Forbidden (Permission denied)" warning, drop its traceback.

    A 403 is an expected answer (a teacher opening another course's insight), not a
    fault: its traceback only buries real errors in the web log. Other records pass
    unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
