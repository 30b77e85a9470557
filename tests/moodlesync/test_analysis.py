# ruff: noqa: S608 - the test reads Moodle with SQL built from its own literals
"""The dropout model evaluates, trains and predicts on the synced site, and its
insights go to the people Moodle's role assignments name."""

from __future__ import annotations

import pytest

from access.selectors import context_of
from insights.models import Notification, Prediction
from lms.models import Course
from models_app.services.running import model_evaluate, model_predict, model_train
from moodlesync.services import moodle_sync
from tests.models_app.running_site import dropout_model

pytestmark = pytest.mark.django_db


def test_dropout_model_on_the_synced_site_notifies_moodles_teachers(
    moodle_pg, use_moodle, facts
):
    db = use_moodle(moodle_pg)
    moodle_sync()
    now = facts["ref_unix"]
    model = dropout_model()

    evaluated = model_evaluate(model=model, interval="quarters", now=now)
    assert evaluated.status == "ok", evaluated.message
    trained = model_train(model=model, now=now)
    assert trained.status == "ok", trained.message
    predicted = model_predict(model=model, now=now)
    assert predicted.status == "ok", predicted.message

    running = Course.objects.get(shortname="BIO205-2026F")
    stored = Prediction.objects.filter(model=model)
    assert stored.exists()
    assert {p.context_id for p in stored} == {context_of(running).pk}
    # Who Moodle itself would tell, from its own tables: as Moodle's insights
    # generator (get_enrolled_users with analytics:listinsights), people enrolled
    # in the course whose roles there or above allow the capability. The managers
    # hold it too but are not enrolled, so they are not told.
    path = db.execute(
        "SELECT path FROM mdl_context WHERE contextlevel = 50 AND instanceid = 5"
    ).strip()
    parents = ", ".join(p for p in path.split("/") if p)
    expected = set(
        db.execute(
            "SELECT DISTINCT u.username FROM mdl_role_assignments ra "
            "JOIN mdl_user u ON u.id = ra.userid "
            "JOIN mdl_role_capabilities rc ON rc.roleid = ra.roleid "
            "AND rc.capability = 'moodle/analytics:listinsights' AND rc.permission = 1 "
            "JOIN mdl_user_enrolments ue ON ue.userid = u.id AND ue.status = 0 "
            "JOIN mdl_enrol e ON e.id = ue.enrolid AND e.courseid = 5 AND e.status = 0 "
            f"WHERE ra.contextid IN ({parents})"
        ).split()
    )
    roles = db.execute(
        "SELECT r.shortname FROM mdl_role_assignments ra JOIN mdl_role r ON "
        "r.id = ra.roleid JOIN mdl_user u ON u.id = ra.userid WHERE u.username IN "
        f"({', '.join(repr(name) for name in sorted(expected))})"
    ).split()
    assert sorted(roles) == ["editingteacher", "teacher"]
    told = set(
        Notification.objects.filter(insight__model=model).values_list(
            "user__username", flat=True
        )
    )
    assert told == expected
