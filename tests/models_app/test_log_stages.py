"""The log page follows a run: its stage, and how many courses are analysed."""

from __future__ import annotations

import pytest

import models_app.services.running.skeleton as skeleton
from models_app.log_stages import stage_text
from models_app.models import ModelLog
from models_app.services.running import model_train
from tests.models_app.running_site import (
    NOW,
    dropout_model,
    finished_course,
    running_course,
)

pytestmark = pytest.mark.django_db


def test_the_analysis_records_how_many_courses_are_done(monkeypatch):
    """Issue 14.4: a running log says how far the analysis is, chunk by chunk."""
    for _ in range(3):
        finished_course()
    running_course()
    model = dropout_model()
    seen = []

    original = skeleton.log_progress

    def spy(log, *, stage, **extra):
        original(log, stage=stage, **extra)
        if stage == "analysis":
            log.refresh_from_db()
            seen.append((stage_text(log), dict(extra)))

    monkeypatch.setattr(skeleton, "log_progress", spy)
    model_train(model=model, now=NOW, chunk_size=1)

    texts = [text for text, _extra in seen]
    assert texts[1:] == [f"Analysing the courses: {n} of 4 done" for n in range(4)]


def test_stage_text_is_empty_once_the_run_ended():
    log = ModelLog(result=ModelLog.Result.OK, details={"stage": "analysis"})
    assert stage_text(log) == ""
    log = ModelLog(result=ModelLog.Result.RUNNING, details={"stage": "training"})
    assert stage_text(log) == "Training"
