"""What the train, predict, evaluate and enable commands share (not a command)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import CommandError
from django.utils.dateparse import parse_datetime

from models_app.models import AnalyticsModel
from settings_app.selectors import analytics_disabled_message, analytics_enabled


def analytics_enabled_or_fail() -> None:
    if not analytics_enabled():
        raise CommandError(analytics_disabled_message())


def model_or_fail(model_id: int) -> AnalyticsModel:
    model = AnalyticsModel.objects.filter(pk=model_id).first()
    if model is None:
        raise CommandError(
            f"There is no analytics model with id {model_id}. "
            "List them with: python manage.py enable_model --list"
        )
    return model


def interval_key(value: str | None) -> str | None:
    """Our interval key from a key or Moodle's class name
    (\\core\\analytics\\time_splitting\\quarters -> quarters)."""
    if not value:
        return None
    return value.strip().rsplit("\\", 1)[-1]


def unix_time(value: str | None) -> int | None:
    """--now as Unix seconds or an ISO date and time (UTC when no zone is given)."""
    if not value:
        return None
    if value.lstrip("-").isdigit():
        return int(value)
    parsed = parse_datetime(value)
    if parsed is None:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"--now must be Unix seconds or an ISO date and time (got {value!r})."
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp())


def models_list(stdout: Any) -> None:
    """Moodle's clihelper::list_models: id, name and Enabled/Disabled."""
    models = list(AnalyticsModel.objects.all())
    if not models:
        stdout.write("There are no analytics models.")
        return
    for model in models:
        state = "Enabled" if model.enabled else "Disabled"
        trained = ", trained" if model.trained else ""
        stdout.write(
            f"{model.pk:>4}  {model}  ({state}{trained}; interval: "
            f"{model.interval or '-'})"
        )


def progress_bar(total: int, *, desc: str, enabled: bool) -> Any:
    """A tqdm bar on stderr (so --json output stays clean); off when not a tty."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit="model",
        file=sys.stderr,
        disable=not enabled,
        leave=False,
    )


def add_now_argument(parser: Any) -> None:
    parser.add_argument(
        "--now",
        help="Analyse as if it were this moment (Unix seconds or ISO; UTC when no "
        "zone): reproducible runs on generated sites. Default: the current time.",
    )
