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
    """Bucket groups summed into ranges (`bucket` becomes the range position).

    The same result as `regroup` of every group copied into each range it falls
    in, in the same order (range position, user, context level, context instance,
    education level, event), without copying the groups: the groups' other keys
    are ranked once, and one integer key per (range, rank) is sorted."""
    group, pos = _in_ranges(members, groups.bucket)
    if len(group) == 0:
        return groups.take(np.zeros(0, dtype=np.int64))
    code, n_codes = _rest_code(groups)
    if int(pos.max()) * n_codes + n_codes >= 1 << 63:
        code, n_codes = _rest_code(groups, pack=False)
    key = pos * n_codes + code[group]
    order = np.argsort(key, kind="stable")
    key, source, bucket = key[order], group[order], pos[order]
    change = np.empty(len(key), dtype=bool)
    change[0] = True
    np.not_equal(key[1:], key[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    if len(starts) == len(key):  # one group per key: nothing to sum
        picked = groups.take(source)
        picked.bucket = bucket
        return picked
    return _summed(groups, source, starts, bucket)


def _summed(
    groups: Aggregates, source: np.ndarray, starts: np.ndarray, bucket: np.ndarray
) -> Aggregates:
    """The groups `source[starts[k]:starts[k + 1]]` summed into group k (their
    keys are equal), with `bucket` (per entry of `source`) as the bucket."""
    first = source[starts]

    def total(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values[source], starts)

    return Aggregates(
        bucket[starts],
        groups.userid[first],
        groups.contextlevel[first],
        groups.contextinstanceid[first],
        groups.edulevel[first],
        groups.event[first],
        total(groups.n),
        total(groups.n_c),
        total(groups.n_r),
        total(groups.n_u),
        total(groups.n_named),
        total(groups.n_named_cu),
        np.minimum.reduceat(groups.first[source], starts),
        np.maximum.reduceat(groups.last[source], starts),
    )


def _in_ranges(
    members: list[np.ndarray], bucket: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """As `_expand`; without sorting when no bucket is in two ranges (ranges that
    do not overlap, as most intervals cut them)."""
    flat = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
    if len(flat) == 0 or len(bucket) == 0 or flat.min() < 0 or bucket.min() < 0:
        return _expand(members, bucket)
    size = max(int(flat.max()), int(bucket.max())) + 1
    if np.bincount(flat, minlength=size).max() > 1:
        return _expand(members, bucket)
    owner = np.full(size, -1, dtype=np.int64)
    owner[flat] = np.repeat(np.arange(len(members)), [len(m) for m in members])
    pos = owner[bucket]
    group = np.flatnonzero(pos >= 0)
    return group, pos[group]


def _rest_code(groups: Aggregates, *, pack: bool = True) -> tuple[np.ndarray, int]:
    """Per group, a code of its (user, context level, context instance, education
    level, event), below the returned bound, equal for equal keys and ordered as
    the keys are (lexicographically, in that order). Non-negative keys whose
    ranges multiply below 2**63 are packed into one integer (mixed radix); other
    keys get their rank among the distinct ones."""
    keys = (
        groups.userid,
        groups.contextlevel,
        groups.contextinstanceid,
        groups.edulevel,
        groups.event,
    )
    if pack and all(k.min() >= 0 for k in keys):
        radixes = [int(k.max()) + 1 for k in keys]
        if np.prod(radixes, dtype=object) < 1 << 62:
            code = np.zeros(len(groups), dtype=np.int64)
            for k, radix in zip(keys, radixes, strict=True):
                code *= radix
                code += k
            return code, int(np.prod(radixes, dtype=object))
    order = np.lexsort(keys[::-1])
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for k in keys:
        sorted_k = k[order]
        change[1:] |= sorted_k[1:] != sorted_k[:-1]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.cumsum(change) - 1
    return rank, int(rank.max()) + 1


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

    return _summed(groups, order, starts, groups.bucket[order])


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
