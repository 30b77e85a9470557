"""`manage.py demo_models`: make a demo site's analytics ready to try at once.

For `make demo` only (bin/demo runs it once, right after the demo site is made):
runs may be started from the models page ("Only from the command line" off, which a
real site decides for itself), the "students at risk of dropping out" model is
enabled with quarters, and every enabled model is trained and predicted once, so
the teacher finds insights and the manager a trained model on the first visit
instead of after the nightly run.

A real site has predicted each quarter of a running course on the night after it
ended, so a teacher sees the risk change from one analysis to the next. The demo
replays those past nights (`past_nights`) with the real prediction command and its
`--now`, for the models that cut a course into parts, before predicting now.
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from models_app.analysis.analysables import analysables_list
from models_app.defaults import DEFAULT_SCHEDULES
from models_app.management.commands._running import add_now_argument, unix_time
from models_app.models import AnalyticsModel
from models_app.plugins.base import IntervalNotApplicable
from models_app.plugins.registry import UnknownPlugin, interval_class
from models_app.services.running import (
    ModelNotEnabled,
    analytics_model_enable,
    models_to_predict,
)
from models_app.services.running.common import target_of
from settings_app.models import AnalyticsSettings

DEMO_INTERVAL = "quarters"
DAY = 86_400
#: Intervals whose ranges are parts of the course, each predicted after it ends:
#: the ones with a history worth replaying.
PARTS = frozenset({"equal_parts", "accumulative_parts"})


def _nightly_predict_offset() -> int:
    """Seconds after midnight (UTC) of the nightly "Predict models" run."""
    for name, _task, minute, hour, _description in DEFAULT_SCHEDULES:
        if name == "Predict models":
            return int(hour) * 3600 + int(minute) * 60
    return 0


def _night_after(moment: int, offset: int) -> int:
    """The first nightly run at or after `moment`."""
    night = moment - moment % DAY + offset
    return night if night >= moment else night + DAY


def past_nights(*, model: AnalyticsModel, now: int) -> list[int]:
    """The nights before `now` on which the nightly run would have predicted a
    part of a course running at `now` (sorted, each once); none for a model whose
    interval does not cut courses into parts."""
    target = target_of(model)
    try:
        interval = interval_class(model.interval)()
    except UnknownPlugin:
        return []
    if target is None or not (interval.kinds & PARTS):
        return []
    offset = _nightly_predict_offset()
    nights = set()
    for analysable in analysables_list(
        kind=target.analysable_kind, model=model, now=now
    ):
        start, end = analysable.start, analysable.end
        if not start or not end or not start <= now < end:
            continue
        try:
            ranges = interval.ranges(analysable, now=now)
        except IntervalNotApplicable:
            continue
        for range_ in ranges:
            night = _night_after(range_.time, offset)
            if range_.time <= now and night < now:
                nights.add(night)
    return sorted(nights)


class Command(BaseCommand):
    help = (
        "Demo only: allow runs from web pages, enable the dropout model with "
        "quarters, then train every enabled model, predict the past nights of the "
        "running courses' quarters and predict every enabled model now."
    )

    def add_arguments(self, parser):
        add_now_argument(parser)

    def handle(self, *args, **options) -> None:
        settings_row = AnalyticsSettings.load()
        AnalyticsSettings.objects.filter(pk=settings_row.pk).update(only_cli=False)
        for model in AnalyticsModel.objects.filter(
            target="course_dropout", enabled=False
        ).order_by("pk"):
            try:
                analytics_model_enable(
                    model=model, interval=model.interval or DEMO_INTERVAL
                )
            except ModelNotEnabled as exc:
                self.stderr.write(f"{model}: not enabled: {exc}")
        now_option = ["--now", options["now"]] if options["now"] else []
        call_command("train_models", "--no-progress", *now_option, stdout=self.stdout)
        now = unix_time(options["now"])
        self.predict_past_nights(now=int(time.time()) if now is None else now)
        call_command("predict_models", "--no-progress", *now_option, stdout=self.stdout)

    def predict_past_nights(self, *, now: int) -> None:
        """Each model's past nights, oldest first, as the nightly runs did them."""
        for model in models_to_predict():
            for night in past_nights(model=model, now=now):
                call_command(
                    "predict_models",
                    "--no-progress",
                    "--modelid",
                    str(model.pk),
                    "--now",
                    str(night),
                    stdout=self.stdout,
                )
