"""One reader interface over both log stores, answering analysis with SQL aggregates.

One module per concern:

* reader: `LogReader`, the queries analysis asks (one SQL aggregate each);
* stores: the standard and legacy stores' columns, `READERS` and `get_reader`;
* sql: the SQL text of the aggregate query and its VALUES lists;
* binary_copy: PostgreSQL's binary COPY of integer results, parsed by numpy;
* buckets: the time buckets a chunk's ranges are cut into;
* results: the dataclasses of arrays the readers return;
* views: numpy views of the aggregates (ranges, per-user summaries, event times).
"""

from logstore.readers.binary_copy import PG_WORK_MEM, copy_ints
from logstore.readers.buckets import INFINITY, Buckets, buckets_for_ranges
from logstore.readers.reader import LogReader
from logstore.readers.results import (
    N_AGGREGATE_COLUMNS,
    Aggregates,
    CourseUserSummary,
    EventTimes,
    aggregates_empty,
)
from logstore.readers.sql import _values, _values_arrays, aggregate_sql
from logstore.readers.stores import (
    CRUD_CODES,
    LEGACY_EVENTS,
    READERS,
    LegacyLogReader,
    StandardLogReader,
    get_reader,
)
from logstore.readers.views import (
    course_user_summary,
    event_times,
    groups_in_ranges,
    regroup,
)

__all__ = [
    "CRUD_CODES",
    "INFINITY",
    "LEGACY_EVENTS",
    "N_AGGREGATE_COLUMNS",
    "PG_WORK_MEM",
    "READERS",
    "Aggregates",
    "Buckets",
    "CourseUserSummary",
    "EventTimes",
    "LegacyLogReader",
    "LogReader",
    "StandardLogReader",
    "_values",
    "_values_arrays",
    "aggregate_sql",
    "aggregates_empty",
    "buckets_for_ranges",
    "copy_ints",
    "course_user_summary",
    "event_times",
    "get_reader",
    "groups_in_ranges",
    "regroup",
]
