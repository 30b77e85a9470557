"""`manage.py demo_models`: make a demo site's analytics ready to try at once.

For `make demo` only (bin/demo runs it once, right after the demo site is made):
runs may be started from the models page ("Only from the command line" off, which a
real site decides for itself), the "students at risk of dropping out" model is
enabled with quarters, and every enabled model is trained and predicted once, so
the teacher finds insights and the manager a trained model on the first visit
instead of after the nightly run.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from models_app.models import AnalyticsModel
from models_app.services.running import ModelNotEnabled, analytics_model_enable
from settings_app.models import AnalyticsSettings

DEMO_INTERVAL = "quarters"


class Command(BaseCommand):
    help = (
        "Demo only: allow runs from web pages, enable the dropout model with "
        "quarters, then train and predict every enabled model once."
    )

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
        call_command("train_models", "--no-progress", stdout=self.stdout)
        call_command("predict_models", "--no-progress", stdout=self.stdout)
