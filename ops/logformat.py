"""JSON log lines (`FORESIGHT_LOG_FORMAT=json`), one object per line.

Log collectors (Loki, Elasticsearch, CloudWatch) parse these without a pattern.
Keys: time (ISO 8601, UTC), level, logger, message, and exc_info when there is one;
`extra=` fields that are JSON-serialisable come along as they are.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

#: Attributes every LogRecord has: anything else was passed through `extra=`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_") or key in data:
                continue
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                value = repr(value)
            data[key] = value
        return json.dumps(data, ensure_ascii=False)
