"""Numpy views of the aggregates: bucket groups summed into ranges, per (course,
user) summaries and named-event times. No SQL here."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from logstore.readers.buckets import INFINITY, Buckets
from logstore.readers.results import Aggregates, CourseUserSummary, EventTimes


def _expand(
    members: list[np.ndarray], bucket: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(group index, range position) for every group inside every range."""
    if not members:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    flat_bucket = np.concatenate(members)
    flat_range = np.repeat(np.arange(len(members)), [len(m) for m in members])
    order = np.argsort(flat_bucket, kind="stable")
    flat_bucket, flat_range = flat_bucket[order], flat_range[order]
    lo = np.searchsorted(flat_bucket, bucket, side="left")
    hi = np.searchsorted(flat_bucket, bucket, side="right")
    counts = hi - lo
    group = np.repeat(np.arange(len(bucket)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return group, flat_range[np.repeat(lo, counts) + within]


def groups_in_ranges(groups: Aggregates, members: list[np.ndarray]) -> Aggregates:
    """Bucket groups summed into ranges (`bucket` becomes the range position)."""
    group, pos = _expand(members, groups.bucket)
    if len(group) == 0:
        return groups.take(np.zeros(0, dtype=np.int64))
    picked = groups.take(group)
    picked.bucket = pos
    return regroup(picked)


def regroup(groups: Aggregates) -> Aggregates:
    """Sum the groups that share (bucket, user, context, event)."""
    if len(groups) == 0:
        return groups
    keys = (
        groups.event,
        groups.edulevel,
        groups.contextinstanceid,
        groups.contextlevel,
        groups.userid,
        groups.bucket,
    )
    order = np.lexsort(keys)
    sorted_keys = [k[order] for k in keys]
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for k in sorted_keys:
        change[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(change)
    if len(starts) == len(order):  # already one group per key
        return groups.take(order)

    def total(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values[order], starts)

    return Aggregates(
        groups.bucket[order][starts],
        groups.userid[order][starts],
        groups.contextlevel[order][starts],
        groups.contextinstanceid[order][starts],
        groups.edulevel[order][starts],
        groups.event[order][starts],
        total(groups.n),
        total(groups.n_c),
        total(groups.n_r),
        total(groups.n_u),
        total(groups.n_named),
        total(groups.n_named_cu),
        np.minimum.reduceat(groups.first[order], starts),
        np.maximum.reduceat(groups.last[order], starts),
    )


def course_user_summary(
    groups: Aggregates, buckets: Buckets, inside: list[np.ndarray]
) -> CourseUserSummary:
    """Per (course, user) first/last course-context event, last event, and the
    non-anonymous events in the buckets of `inside` (one array per course)."""
    if not buckets.course_ids:
        return CourseUserSummary(*[np.zeros(0, dtype=np.int64)] * 6)
    base = np.array(buckets.base, dtype=np.int64)
    course_of = np.array(buckets.course_ids, dtype=np.int64)[
        np.searchsorted(base, groups.bucket, side="right") - 1
    ]
    inside_buckets = np.concatenate(inside) if inside else np.zeros(0, dtype=np.int64)
    is_inside = np.isin(groups.bucket, inside_buckets)
    uniq, inverse = np.unique(
        course_of * (1 << 31) + groups.userid, return_inverse=True
    )
    inverse = inverse.ravel()
    size = len(uniq)
    in_course_ctx = (groups.contextlevel == 50) & (
        groups.contextinstanceid == course_of
    )
    first = np.full(size, INFINITY, dtype=np.int64)
    np.minimum.at(first, inverse[in_course_ctx], groups.first[in_course_ctx])
    last = np.full(size, -1, dtype=np.int64)
    np.maximum.at(last, inverse[in_course_ctx], groups.last[in_course_ctx])
    last_any = np.full(size, -1, dtype=np.int64)
    np.maximum.at(last_any, inverse, groups.last)
    named = np.bincount(
        inverse, weights=np.where(is_inside, groups.n_named, 0), minlength=size
    ).astype(np.int64)
    return CourseUserSummary(
        uniq >> 31,
        uniq & ((1 << 31) - 1),
        np.where(first == INFINITY, -1, first),
        last,
        last_any,
        named,
    )


def event_times(counts: Aggregates, names: Sequence[str]) -> EventTimes:
    """The named-event groups of range counts, as EventTimes (module contexts)."""
    keep = (counts.event > 0) & (counts.contextlevel == 70)
    picked = counts.take(np.flatnonzero(keep))
    return EventTimes(
        picked.bucket,
        picked.userid,
        picked.contextinstanceid,
        [names[i - 1] for i in picked.event.tolist()],
        picked.n,
        picked.first,
        picked.last,
    )
