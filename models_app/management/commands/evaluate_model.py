"""`manage.py evaluate_model`: Moodle's admin/tool/analytics/cli/evaluate_model.php."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from mlbackend.engine.results import (
    GENERAL_ERROR,
    LOW_SCORE,
    NO_DATASET,
    NOT_ENOUGH_DATA,
)
from models_app.management.commands._running import (
    add_now_argument,
    analytics_enabled_or_fail,
    interval_key,
    model_or_fail,
    models_list,
    unix_time,
)
from models_app.plugins import registry
from models_app.services.running import (
    EvaluationRefused,
    ModelNotEnabled,
    analytics_model_enable,
    evaluation_intervals_for,
    model_evaluate,
    model_predict,
    model_train,
)
from settings_app.checks import TAG as ANALYTICS_CHECKS


def _bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


def _interval_label(key: str) -> str:
    try:
        return str(registry.interval_class(key).label)
    except registry.UnknownPlugin:
        return key


class Command(BaseCommand):
    help = (
        "Evaluate an analytics model with each analysis interval (configuration "
        "mode) or its trained model (trainedmodel mode) and print the scores."
    )
    #: Only the checks of what an evaluation uses (the models output directory, the
    #: ML backend server); the code's own (models, URLs, templates, admin) are
    #: `manage.py check`'s and took a tenth of a second of every evaluation.
    requires_system_checks = [ANALYTICS_CHECKS]

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="List the models.")
        parser.add_argument("--modelid", type=int, help="The model to evaluate.")
        parser.add_argument(
            "--analysisinterval",
            help="Only this analysis interval (key or Moodle's class name, e.g. "
            "quarters or \\core\\analytics\\time_splitting\\quarters).",
        )
        parser.add_argument(
            "--mode",
            choices=["configuration", "trainedmodel"],
            default="configuration",
            help="configuration (default): the model's target and indicators; "
            "trainedmodel: the stored trained model, with the model's interval.",
        )
        parser.add_argument(
            "--reuse-prev-analysed",
            type=_bool,
            default=True,
            nargs="?",
            const=True,
            help="Reuse evaluation data analysed less than a week ago (default true).",
        )
        parser.add_argument(
            "--non-interactive",
            action="store_true",
            help="Do not offer to enable the model after the evaluation.",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the results as JSON."
        )
        add_now_argument(parser)

    def handle(self, *args, **options):
        analytics_enabled_or_fail()
        if options["list"]:
            models_list(self.stdout)
            return
        if options["modelid"] is None:
            raise CommandError(
                "Give the model to evaluate with --modelid (see --list for the ids)."
            )
        model = model_or_fail(options["modelid"])
        interval = interval_key(options["analysisinterval"])
        try:
            keys = evaluation_intervals_for(
                model=model, interval=interval, mode=options["mode"]
            )
        except EvaluationRefused as exc:
            raise CommandError(str(exc)) from None
        quiet = options["json"]
        progress = None
        if not quiet and self.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=len(keys), desc="Evaluate", unit="interval", leave=False)

            def progress(state):
                bar.n = state["done"]
                bar.set_postfix_str(state.get("current", ""))
                bar.refresh()
                if state["done"] == state["total"]:
                    bar.close()

        outcome = model_evaluate(
            model=model,
            mode=options["mode"],
            interval=interval,
            reuse_prev_analysed=options["reuse_prev_analysed"],
            now=unix_time(options["now"]),
            progress=progress,
        )
        if quiet:
            self.stdout.write(json.dumps(outcome.as_dict(), indent=2, default=str))
        else:
            self._print(outcome)
        if not outcome.results:
            raise CommandError(outcome.message or "The evaluation did not run.")
        usable = [
            r for r in outcome.results if r["status"] not in (NO_DATASET, GENERAL_ERROR)
        ]
        interactive = (
            not options["non_interactive"] and not quiet and sys.stdin.isatty()
        )
        if usable and not model.enabled and interactive:
            self._offer_enable(model=model, results=usable)
        if not usable:
            raise CommandError(outcome.message or "No interval could be evaluated.")

    def _print(self, outcome) -> None:
        for result in outcome.results:
            self.stdout.write("")
            self.stdout.write(
                f"Results using {_interval_label(result['interval'])} analysis "
                f"interval ({result['interval']})"
            )
            status = result["status"]
            if status == 0:
                self.stdout.write(
                    self.style.SUCCESS(
                        "This is a good model for using to obtain predictions. "
                        "Enable it to start obtaining predictions."
                    )
                )
            elif status & NO_DATASET:
                self.stdout.write("There is no data to evaluate the model")
            if result.get("score") is not None:
                self.stdout.write(
                    f"Score (weighted F1): {round(result['score'], 4) * 100:g}%"
                )
            for line in result.get("info", []):
                self.stdout.write(self.style.WARNING(line))
            if status & (LOW_SCORE | NOT_ENOUGH_DATA) and result.get("dir"):
                self.stdout.write(f"Details: {result['dir']}")

    def _offer_enable(self, *, model, results) -> None:
        keys = [r["interval"] for r in results]
        self.stdout.write("")
        self.stdout.write(
            "Select one analysis interval to enable the model with, or 'none': "
            + ", ".join(keys)
        )
        answer = input("> ").strip()
        if answer in ("", "none"):
            return
        key = interval_key(answer)
        if key not in keys:
            raise CommandError(f"{answer!r} is not one of the evaluated intervals.")
        try:
            analytics_model_enable(model=model, interval=key)
        except ModelNotEnabled as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Model {model.pk} enabled with {key}; training...")
        trained = model_train(model=model)
        self.stdout.write(f"Training: {trained.status} {trained.message}")
        predicted = model_predict(model=model)
        self.stdout.write(f"Prediction: {predicted.status} {predicted.message}")
