"""`manage.py backtest`: how early and how well the model would have warned.

Trains the model from scratch on finished courses and replays the nightly
prediction on other finished courses (models_app.services.backtest). Nothing of
the model changes.
"""

from __future__ import annotations

import argparse
import json

from django.core.management.base import BaseCommand, CommandError

from models_app.management.commands._running import (
    add_now_argument,
    model_or_fail,
    unix_time,
)
from models_app.services.backtest import BacktestError, backtest_run


def _percentages(value: str) -> list[float]:
    """argparse type of --at (an ArgumentTypeError becomes a one-line usage error)."""
    try:
        shares = [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"percentages of the course separated by commas, such as 25,50,75 "
            f"(got {value!r})"
        ) from None
    if not shares:
        raise argparse.ArgumentTypeError("at least one percentage, such as 25,50,75")
    return shares


def _figure(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


class Command(BaseCommand):
    help = (
        "Train a model on finished courses and replay its predictions on other "
        "finished courses, as the nightly run would have made them; print how well "
        "and how early it warned, beside a weekly-clicks baseline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", type=int, required=True, help="The model id.")
        parser.add_argument(
            "--train",
            required=True,
            help='Courses to learn from: ids, short names or "finished before '
            'YYYY-MM-DD", separated by commas.',
        )
        parser.add_argument(
            "--test", required=True, help="Courses to replay, in the same form."
        )
        parser.add_argument(
            "--at",
            type=_percentages,
            help="Predict at these percentages of each course (e.g. 25,50,75) "
            "instead of at the end of each of the model's ranges.",
        )
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        add_now_argument(parser)

    def handle(self, *args, **options):
        model = model_or_fail(options["model"])
        try:
            report = backtest_run(
                model=model,
                train_courses=options["train"],
                test_courses=options["test"],
                at=options["at"],
                now=unix_time(options["now"]),
            )
        except BacktestError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        self.stdout.write(
            f"Model {report.model_id} ({report.target}, {report.interval}, "
            f"{report.processor}): trained on {report.train_samples} samples of "
            f"{len(report.train_courses)} course(s), replayed on "
            f"{len(report.test_courses)}."
        )
        header = (
            f"{'point':<10} {'students':>8} {'positives':>9} {'flagged':>7} "
            f"{'ROC AUC':>7} {'PR AUC':>6} {'Brier':>5} {'prec.':>5} {'recall':>6}"
            f"  {'clicks ROC AUC':>14}"
        )
        self.stdout.write(header)
        for row in report.points:
            m = row["model"]
            base = row["clicks_baseline"] or {}
            self.stdout.write(
                f"{row['point']:<10} {m['students']:>8} {m['positives']:>9} "
                f"{m['flagged']:>7} {_figure(m['roc_auc']):>7} "
                f"{_figure(m['pr_auc']):>6} {_figure(m['brier']):>5} "
                f"{_figure(m['precision']):>5} {_figure(m['recall']):>6}  "
                f"{_figure(base.get('roc_auc')):>14}"
            )
        self.stdout.write(
            f"Warned {report.warned} of {report.positives} students before the "
            f"outcome; median lead time {_figure(report.lead_days, 1)} days "
            f"(weekly clicks: {_figure(report.baseline_lead_days, 1)})."
        )
