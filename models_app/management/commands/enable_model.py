"""`manage.py enable_model`: Moodle's admin/tool/analytics/cli/enable_model.php."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from models_app.management.commands._running import (
    analytics_enabled_or_fail,
    interval_key,
    model_or_fail,
    models_list,
)
from models_app.services.running import ModelNotEnabled, analytics_model_enable


class Command(BaseCommand):
    help = (
        "Enable an analytics model, optionally with an analysis interval (changing "
        "the interval clears what the model learnt). --list shows the models."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="List the models.")
        parser.add_argument("--modelid", type=int, help="The model to enable.")
        parser.add_argument(
            "--analysisinterval",
            help="Analysis interval (key or Moodle's class name); default: the "
            "model's own.",
        )

    def handle(self, *args, **options):
        analytics_enabled_or_fail()
        if options["list"]:
            models_list(self.stdout)
            return
        if options["modelid"] is None:
            raise CommandError(
                "Give the model to enable with --modelid (see --list for the ids)."
            )
        model = model_or_fail(options["modelid"])
        try:
            analytics_model_enable(
                model=model, interval=interval_key(options["analysisinterval"])
            )
        except ModelNotEnabled as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Model {model.pk} ({model}) enabled with the analysis interval "
                f"{model.interval}."
            )
        )
