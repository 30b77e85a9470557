"""What the readers return: arrays of aggregated log rows, one dataclass per shape."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class CourseUserSummary:
    """Per (course, user): first and last event in the course context, last event
    anywhere in the course, and non-anonymous events strictly inside the course's
    dates (Moodle's minimum-activity rule for dropout). Missing times are -1."""

    courseid: np.ndarray
    userid: np.ndarray
    first_course_ctx: np.ndarray
    last_course_ctx: np.ndarray
    last_any: np.ndarray
    n_named_inside: np.ndarray

    def __len__(self) -> int:
        return len(self.courseid)


@dataclass
class EventTimes:
    """Per (range position, user, course module, event name): count, first, last."""

    pos: np.ndarray
    userid: np.ndarray
    cmid: np.ndarray
    eventname: list[str]
    n: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.pos)


@dataclass
class Aggregates:
    """Events grouped by time bucket, user, context, education level and named event
    (see `aggregate`); crud letters are pivoted into counts.

    `bucket` is a global bucket number; `event` the position (1-based) of the event
    name in the names asked for, 0 for other events; then the number of events, of
    creates, reads and updates (deletes are the rest), of non-anonymous events, of
    non-anonymous creates and updates, and the first and last event time.
    """

    bucket: np.ndarray
    userid: np.ndarray
    contextlevel: np.ndarray
    contextinstanceid: np.ndarray
    edulevel: np.ndarray
    event: np.ndarray
    n: np.ndarray
    n_c: np.ndarray
    n_r: np.ndarray
    n_u: np.ndarray
    n_named: np.ndarray
    n_named_cu: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.bucket)

    def take(self, index: np.ndarray) -> Aggregates:
        return Aggregates(*(getattr(self, f.name)[index] for f in fields(self)))


N_AGGREGATE_COLUMNS = len(fields(Aggregates))


def aggregates_empty() -> Aggregates:
    """No groups at all."""
    return Aggregates(*[np.zeros(0, dtype=np.int64)] * N_AGGREGATE_COLUMNS)
