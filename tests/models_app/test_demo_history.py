"""`manage.py demo_models` replays the past nights of the running courses, so the
demo's prediction page shows the risk over several analyses, as on a real site."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count

from access.models import Context, ContextLevel, RoleAssignment
from insights.models import Prediction
from lms.models import Course
from models_app.models import AnalyticsModel

pytestmark = pytest.mark.django_db

NOW = "2026-03-15T12:00Z"


def _running_course_contexts(now: dt.datetime) -> set[int]:
    """Context ids of the courses running at `now`."""
    running = Course.objects.filter(startdate__lte=now, enddate__gt=now)
    return set(
        Context.objects.filter(
            contextlevel=ContextLevel.COURSE, instanceid__in=running.values("pk")
        ).values_list("pk", flat=True)
    )


def test_the_demo_has_students_predicted_by_several_nightly_runs(client):
    call_command("generate_site", "--preset", "demo", "--seed", "1", "--now", NOW)
    call_command("demo_models", "--now", NOW)

    now = dt.datetime.fromisoformat(NOW)
    dropout = AnalyticsModel.objects.get(target="course_dropout")
    histories = (
        Prediction.objects.filter(
            model=dropout, context_id__in=_running_course_contexts(now)
        )
        .values("context_id", "sampleid")
        .annotate(ranges=Count("rangeindex", distinct=True))
        .filter(ranges__gte=2)
        .order_by("context_id", "sampleid")
    )
    assert histories, "no student of a running course was predicted twice"
    first = histories[0]
    predictions = Prediction.objects.filter(
        model=dropout, context_id=first["context_id"], sampleid=first["sampleid"]
    )
    # Each past run predicted the part of the course that had just ended then.
    assert all(p.timeend <= int(now.timestamp()) for p in predictions)

    teacher = RoleAssignment.objects.filter(
        context_id=first["context_id"], role__archetype="editingteacher"
    ).first()
    client.force_login(teacher.user)
    latest = predictions.order_by("-rangeindex").first()
    response = client.get(f"/insights/predictions/{latest.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="risk-chart"' in html
    chart = html.split('id="risk-chart"')[1].split("</svg>")[0]
    assert chart.count("<circle") >= 2
