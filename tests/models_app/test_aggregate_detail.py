"""The chunk's aggregate without activity detail: far fewer groups, the same facts.

Without `activity_detail` the aggregate keeps a context instance only where a
reader other than the per-activity counts looks at it (a named event's module, the
course context of the row's own course). Every other fact of the chunk must stay
the same, in both stores, from the raw log and from the rollup.
"""

from __future__ import annotations

import numpy as np
import pytest

from logstore.models import StandardLogEntry
from logstore.readers import StandardLogReader, get_reader
from logstore.services.rollup import rollup_rebuild
from models_app.defaults import DEFAULT_MODELS, MOODLE_DROPOUT_INDICATORS
from models_app.models import AnalyticsModel
from models_app.plugins.indicators.community_of_inquiry import FEEDBACK_EVENTS
from models_app.plugins.indicators.days_since_last_access import last_event_in_rows
from models_app.services.analysis import dataset_build
from tests.fixtures.analysis_site import (
    DAY,
    START,
    activity,
    analysis_data,
    course,
    indicator_values,
    legacy_copy,
    log,
    student,
)

pytestmark = pytest.mark.django_db

NAMES = tuple(sorted(FEEDBACK_EVENTS))
#: Quarters of the 40-day course and the whole course (overlapping them).
RANGES = [(START + i * 10 * DAY, START + (i + 1) * 10 * DAY) for i in range(4)] + [
    (START, START + 40 * DAY)
]
DROPOUT = next(d for d in DEFAULT_MODELS if d.key == "course_dropout").indicators
#: (crud, course_context, module_context, named) of every count_rows call.
COUNTS = [
    (crud, course_ctx, module_ctx, named)
    for crud, named in ((None, False), ("r", False), ("cu", False), (None, True))
    + (("cu", True),)
    for course_ctx in (False, True)
    for module_ctx in (False, True)
]


@pytest.fixture(autouse=True)
def any_rollup(monkeypatch):
    monkeypatch.setattr("logstore.rollups.MIN_COMPRESSION", 0.0)


@pytest.fixture
def site():
    """A course with four activities and three students: ordinary and named
    events in every activity, course-context events, and rows the course context
    must not count (a course-level row about another course, system and user
    context rows)."""
    c1, c2 = course(), course()
    acts = [
        activity(c1, m, section=i)
        for i, m in enumerate(("forum", "quiz", "assign", "page"), 1)
    ]
    users = [student(c1).user_id for _ in range(3)]
    named = {
        "forum": "\\mod_forum\\event\\assessable_uploaded",
        "quiz": "\\mod_quiz\\event\\attempt_submitted",
        "assign": "\\mod_assign\\event\\feedback_viewed",
    }
    assert set(named.values()) <= FEEDBACK_EVENTS
    t = START + 3600
    for u, user in enumerate(users):
        for day in range(0, 45, 3 + u):
            t = START + day * DAY + 977 * (u + 1) + day * 61
            log(user, c1, t, crud="r")
            log(user, c1, t + 5, crud="u", edulevel=1)
            for a, act in enumerate(acts):
                if (day + a + u) % 2:
                    continue
                log(user, c1, t + 10 + a, crud="r", cm=act)
                log(user, c1, t + 20 + a, crud="c", cm=act, anonymous=day % 4 == 0)
                if act.modname in named and day % 6 == 0:
                    log(
                        user,
                        c1,
                        t + 30 + a,
                        crud="c",
                        cm=act,
                        eventname=named[act.modname],
                    )
        # In c1's log but in c2's course context: never c1's course context.
        odd = log(user, c1, START + (5 + u) * DAY + 11, crud="c")
        StandardLogEntry.objects.filter(pk=odd.pk).update(contextinstanceid=c2.id)
        system = log(user, c1, START + (6 + u) * DAY + 13, crud="r")
        StandardLogEntry.objects.filter(pk=system.pk).update(
            contextlevel=10, contextinstanceid=0
        )
        own = log(user, c1, START + (7 + u) * DAY + 17, crud="u")
        StandardLogEntry.objects.filter(pk=own.pk).update(
            contextlevel=30, contextinstanceid=user
        )
    log(users[0], c2, START + 2 * DAY, crud="r")  # another course
    legacy_copy()
    for store in ("standard", "legacy"):
        rollup_rebuild(store=store)
    return c1


def _data(c1, reader, *, detail: bool):
    data = analysis_data([c1], RANGES, reader=reader)
    assert ("rs", "aggregates") not in data._memo
    data.eventnames = NAMES
    data.activity_detail = detail
    return data


def _times(ev) -> list[tuple]:
    return sorted(
        zip(
            ev.pos.tolist(),
            ev.userid.tolist(),
            ev.cmid.tolist(),
            ev.eventname,
            ev.n.tolist(),
            ev.first.tolist(),
            ev.last.tolist(),
            strict=True,
        )
    )


@pytest.mark.parametrize("rollup", [False, True], ids=["raw", "rollup"])
@pytest.mark.parametrize("store", ["standard", "legacy"])
def test_without_activity_detail_fewer_groups_same_answers(site, store, rollup):
    c1 = site
    reader = get_reader(store, rollup=rollup)
    assert reader._rollup_usable() is rollup
    full = _data(c1, reader, detail=True)
    lean = _data(c1, reader, detail=False)

    groups, fewer = full.aggregates(), lean.aggregates()
    assert len(fewer) < len(groups)
    assert int(fewer.n.sum()) == int(groups.n.sum())
    # Kept instances: named events' modules and the course's own context only.
    kept = fewer.contextinstanceid != 0
    assert np.all(
        ((fewer.contextlevel == 70) & (fewer.event > 0))
        | ((fewer.contextlevel == 50) & (fewer.contextinstanceid == c1.id))
        | ~kept
    )

    for crud, course_ctx, module_ctx, named in COUNTS:
        kwargs = {
            "crud": crud,
            "course_context": course_ctx,
            "module_context": module_ctx,
            "named": named,
        }
        expected = full.count_rows(**kwargs)
        assert lean.count_rows(**kwargs).tolist() == expected.tolist(), kwargs
    # The site tells the contexts apart: course context < all, modules > 0.
    everything, course_only = full.count_rows(), full.count_rows(course_context=True)
    assert np.all(course_only <= everything) and course_only.sum() > 0
    others = everything - course_only - full.count_rows(module_context=True)
    # The legacy log has no context of its own: its rows of another context are
    # in the course's.
    assert bool(others.sum() > 0) == (store == "standard")
    assert full.count_rows(module_context=True).sum() > 0

    times = _times(full.event_times(NAMES))
    assert times and all(cmid > 0 for _p, _u, cmid, *_rest in times)
    assert _times(lean.event_times(NAMES)) == times

    summary, lean_summary = full.course_user_summary(), lean.course_user_summary()
    for name in summary.__dataclass_fields__:
        assert getattr(lean_summary, name).tolist() == getattr(summary, name).tolist()
    assert np.any(summary.first_course_ctx > 0)
    assert last_event_in_rows(lean).tolist() == last_event_in_rows(full).tolist()

    for key in DROPOUT:
        assert indicator_values(key, lean) == indicator_values(key, full), key


class RecordingReader(StandardLogReader):
    """The raw standard log, keeping each aggregate's `activity_detail`."""

    def __init__(self) -> None:
        super().__init__(rollup=False)
        self.details: list[bool] = []

    def aggregate(self, *, activity_detail: bool = True, **kwargs):
        self.details.append(activity_detail)
        return super().aggregate(activity_detail=activity_detail, **kwargs)


@pytest.mark.parametrize(
    ("indicators", "detail"),
    [(DROPOUT, False), ((*DROPOUT, *MOODLE_DROPOUT_INDICATORS), True)],
    ids=["default-dropout", "with-mod-indicators"],
)
def test_the_chunk_asks_for_activity_detail_only_for_activity_counts(
    site, indicators, detail
):
    model = AnalyticsModel.objects.create(
        target="course_dropout",
        indicators=sorted(set(indicators)),
        interval="quarters",
        enabled=True,
    )
    reader = RecordingReader()
    dataset = dataset_build(
        model=model, mode="evaluation", now=START + 50 * DAY, fresh=True, reader=reader
    )
    assert len(dataset) > 0
    assert reader.details and set(reader.details) == {detail}


def test_indicators_that_do_not_say_get_activity_detail_and_classmates_follow_their_base():
    from models_app.analysis.chunk import activity_detail_needed
    from models_app.plugins.base import Indicator
    from models_app.plugins.indicators.classmates import (
        ComparedWithClassmates,
        ReadActionsComparedWithClassmates,
    )
    from models_app.plugins.indicators.mod_forum import ForumCognitiveDepth
    from models_app.plugins.indicators.read_actions import ReadActions

    class Silent(Indicator):  # a plug-in outside BaseIndicator
        key = "silent_test_indicator"

    class ForumCompared(ComparedWithClassmates):
        key = "forum_cognitive_depth_classmates_test"
        base = ForumCognitiveDepth

    assert activity_detail_needed([ReadActions()]) is False
    assert activity_detail_needed([ReadActions(), Silent()]) is True
    assert activity_detail_needed([ReadActionsComparedWithClassmates()]) is False
    assert activity_detail_needed([ReadActions(), ForumCompared()]) is True


def test_per_activity_counts_refuse_an_aggregate_without_activity_detail(site):
    from models_app.plugins.indicators.community_of_inquiry import (
        user_activity_counts,
    )

    reader = get_reader("standard", rollup=False)
    assert len(user_activity_counts(_data(site, reader, detail=True))["key"]) > 0
    with pytest.raises(RuntimeError, match="needs_activity_counts"):
        user_activity_counts(_data(site, reader, detail=False))
