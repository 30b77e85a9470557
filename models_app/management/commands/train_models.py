"""`manage.py train_models`: train every enabled model, or one (--modelid)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from models_app.management.commands._running import (
    add_now_argument,
    analytics_enabled_or_fail,
    model_or_fail,
    progress_bar,
    unix_time,
)
from models_app.services.running import (
    BrokerUnreachable,
    model_train,
    models_run_queue,
    models_to_train,
)


class Command(BaseCommand):
    help = (
        "Train analytics models on the samples they have not learnt from yet: "
        "every enabled model, or the one given with --modelid. Exits non-zero when "
        "a model could not be trained."
    )
    action = "train"

    def add_arguments(self, parser):
        parser.add_argument("--modelid", type=int, help="Only this model.")
        add_now_argument(parser)
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show a progress bar."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the run for the Celery workers instead of running it here.",
        )

    def run_one(self, *, model, now):
        return model_train(model=model, now=now)

    def models(self):
        return models_to_train()

    def queue(self, options) -> None:
        model_id = options["modelid"]
        if model_id is not None:
            model_or_fail(model_id)
        if options["now"]:
            raise CommandError("--now cannot be used with --queue.")
        try:
            result = models_run_queue(action=self.action, model_id=model_id)
        except BrokerUnreachable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Queued for the workers (task {result.id}).")

    def handle(self, *args, **options):
        analytics_enabled_or_fail()
        now = unix_time(options["now"])
        if options["queue"]:
            self.queue(options)
            return
        if options["modelid"] is not None:
            models = [model_or_fail(options["modelid"])]
        else:
            models = self.models()
            if not models:
                self.stdout.write(f"No enabled model to {self.action}.")
                return
        failures = []
        bar = progress_bar(
            len(models),
            desc=self.action.capitalize(),
            enabled=not options["no_progress"] and self.stderr.isatty(),
        )
        with bar:
            for model in models:
                bar.set_postfix_str(str(model)[:40])
                outcome = self.run_one(model=model, now=now)
                bar.update(1)
                line = f"Model {model.pk} ({model}): {outcome.status}"
                if outcome.message:
                    line += f": {outcome.message}"
                if outcome.ok:
                    self.stdout.write(line)
                else:
                    self.stderr.write(line)
                    failures.append(model.pk)
        if failures:
            raise CommandError(
                f"Could not {self.action} model(s) {', '.join(map(str, failures))}; "
                "see the messages above and the model logs in the admin."
            )
