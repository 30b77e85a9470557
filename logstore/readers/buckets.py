"""Time buckets: each course's time axis cut at the thresholds of its ranges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Stand-ins for minus and plus infinity in bucket bounds (fit in a bigint).
INFINITY = 1 << 62


@dataclass
class Buckets:
    """Cuts each course's time axis at sorted thresholds.

    Course i's buckets are numbered base[i] .. base[i] + len(thresholds[i]): bucket
    base + k holds the times t with thresholds[k-1] <= t < thresholds[k] (the first
    one everything before thresholds[0], the last everything from the last
    threshold on), so every event of the course falls in exactly one bucket.
    """

    course_ids: list[int]
    thresholds: list[list[int]]

    @property
    def base(self) -> list[int]:
        out, total = [], 0
        for th in self.thresholds:
            out.append(total)
            total += len(th) + 1
        return out

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(course, lo, hi) of every bucket, lo inclusive and hi exclusive."""
        courses, los, his = [], [], []
        for cid, th in zip(self.course_ids, self.thresholds, strict=True):
            edges = [-INFINITY, *th, INFINITY]
            courses.extend([cid] * (len(th) + 1))
            los.extend(edges[:-1])
            his.extend(edges[1:])
        return (
            np.array(courses, dtype=np.int64),
            np.array(los, dtype=np.int64),
            np.array(his, dtype=np.int64),
        )


def buckets_for_ranges(
    course_ids: Sequence[int], starts: Sequence[int], ends: Sequence[int]
) -> tuple[Buckets, list[np.ndarray]]:
    """Buckets whose unions are the given ranges (start < t <= end), and for each
    range the buckets it is made of."""
    per_course: dict[int, set[int]] = {}
    for cid, s, e in zip(course_ids, starts, ends, strict=True):
        per_course.setdefault(int(cid), set()).update((int(s) + 1, int(e) + 1))
    ids = sorted(per_course)
    buckets = Buckets(ids, [sorted(per_course[c]) for c in ids])
    base = dict(zip(ids, buckets.base, strict=True))
    th = dict(zip(ids, buckets.thresholds, strict=True))
    members = []
    for cid, s, e in zip(course_ids, starts, ends, strict=True):
        lo = th[int(cid)].index(int(s) + 1)
        hi = th[int(cid)].index(int(e) + 1)
        members.append(np.arange(base[int(cid)] + lo + 1, base[int(cid)] + hi + 1))
    return buckets, members
