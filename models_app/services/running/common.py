"""What every run of a model shares: outcomes, the model log, the processor.

The skeleton each run plugs into (lock, heartbeat, log row, outcome) is in
skeleton.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from models_app.log_messages import log_entry, log_message
from models_app.models import AnalyticsModel, ModelLog
from models_app.plugins import registry
from models_app.plugins.processors import model_unique_id
from models_app.services.logs import model_log_finish
from settings_app import selectors as settings_selectors


class Status:
    """What became of one run, for commands (exit codes) and task results."""

    OK = "ok"
    NOTHING = "nothing"  # ran, but there was no new work
    DISABLED = "disabled"  # analytics is off
    LOCKED = "locked"  # another run holds the model
    REFUSED = "refused"  # bad input: not ready, not trained, no interval, ...
    FAILED = "failed"  # an error while running

    SUCCESS = frozenset({OK, NOTHING})


@dataclass
class RunOutcome:
    """The result of one run of one model."""

    model_id: int | None
    action: str
    status: str
    message: str = ""
    log_id: int | None = None
    analysables: int = 0
    samples: int = 0
    predictions: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in Status.SUCCESS

    def as_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "action": self.action,
            "status": self.status,
            "message": self.message,
            "log_id": self.log_id,
            "analysables": self.analysables,
            "samples": self.samples,
            "predictions": self.predictions,
            "results": self.results,
        }


class RunNotAllowedFromWeb(Exception):
    """ "Only from the command line" is on: pages may not start runs or evaluations.

    `str(exc)` names the manage.py command to use instead.
    """


def web_run_allowed(*, action: str = "predict", model_id: int | None = None) -> None:
    """Raise RunNotAllowedFromWeb when the setting keeps runs to the command line.

    Pages (the models page's "Execute scheduled analysis", "Evaluate" and "How it
    would have done") call this before queueing a task; `action` is "train",
    "predict", "evaluate" or "backtest".
    """
    settings_selectors.analytics_enabled_or_raise()
    if not settings_selectors.analytics_settings().only_cli:
        return
    if action == "backtest":
        command = "backtest"
        suffix = f" --model {model_id} --train COURSES --test COURSES"
    else:
        command = {
            "train": "train_models",
            "predict": "predict_models",
            "evaluate": "evaluate_model",
        }.get(action, "predict_models")
        suffix = f" --modelid {model_id}" if model_id is not None else ""
    raise RunNotAllowedFromWeb(
        _(
            "Analytics processes can only be run from the command line (the "
            '"Only from the command line" setting). Run: python manage.py '
            "%(command)s%(suffix)s"
        )
        % {"command": command, "suffix": suffix}
    )


def processor_key(model: AnalyticsModel) -> str:
    return model.processor or settings_selectors.default_processor()


def processor_for(model: AnalyticsModel) -> tuple[Any, str | None]:
    """(processor, None) or (None, why it cannot be used)."""
    key = processor_key(model)
    try:
        cls = registry.processor_class(key)
    except registry.UnknownPlugin:
        return None, log_message(
            gettext_noop("The predictions processor %(key)s is not installed."),
            key=key,
        )
    # The model's own settings (its estimator) where the processor takes any.
    for_model = getattr(cls, "for_model", None)
    processor = for_model(model) if for_model is not None else cls()
    reason = processor.is_ready()
    if reason:
        return None, log_message(
            gettext_noop("The predictions processor %(key)s is not ready: %(reason)s"),
            key=key,
            reason=reason,
        )
    return processor, None


def model_storage(model: AnalyticsModel) -> tuple[str, Path]:
    """(Moodle's unique id of the model's version, the models output directory)."""
    return (
        model_unique_id(model_pk=model.pk, version=model.version),
        settings_selectors.models_output_dir(),
    )


def target_of(model: AnalyticsModel) -> Any | None:
    try:
        return registry.target_class(model.target)()
    except registry.UnknownPlugin:
        return None


def log_fail(*, log: ModelLog, action: str, message: str, **figures: Any) -> RunOutcome:
    """Finish `log` as failed with `message`; the outcome says it was refused."""
    log.info = [*log.info, log_entry(level="error", message=message)]
    model_log_finish(log=log, result=ModelLog.Result.FAILED, **figures)
    return RunOutcome(
        model_id=log.model_id,
        action=action,
        status=Status.REFUSED,
        message=message,
        log_id=log.pk,
    )


def log_messages(*, log: ModelLog, messages: list[str], level: str = "warning") -> None:
    """Add the dataset's messages (invalid analysables and why) to the log at once;
    LogMessages keep their msgid so the log page shows them in its language."""
    if messages:
        log.info = [*log.info, *(log_entry(level=level, message=m) for m in messages)]
        log.save(update_fields=["info"])


def time_limit() -> int:
    """The analysis time limit per model, in seconds (the setting)."""
    return int(settings_selectors.analytics_settings().model_time_limit)
