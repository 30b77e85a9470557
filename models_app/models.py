"""Analytics models and the bookkeeping that makes each night do only new work.

Tables mirror Moodle's analytics_* tables (shared/reference/moodle-analytics.md §10)
so exported models and the meaning of "trained", "version" and "analysed" carry over.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from models_app.plugins import registry
from models_app.plugins.processors.builtin import estimator_choices


@deconstructible
class IndicatorKeysValidator:
    """A list of registered indicator keys. Read from the registry when called, so
    a new indicator needs no migration (the registry's choices work the same way)."""

    def __call__(self, value: object) -> None:
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
            raise ValidationError(
                _("Indicators must be a list of indicator keys."), code="invalid"
            )
        twice = sorted({k for k in value if value.count(k) > 1})
        if twice:
            raise ValidationError(
                _("Each indicator can be listed once: %(keys)s appear more than once."),
                code="duplicate",
                params={"keys": ", ".join(twice)},
            )
        unknown = sorted(set(value) - set(registry.INDICATORS))
        if unknown:
            raise ValidationError(
                _("Unknown indicators: %(keys)s."),
                code="unknown",
                params={"keys": ", ".join(unknown)},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndicatorKeysValidator)

    def __hash__(self) -> int:
        return hash(type(self))


class AnalyticsModelQuerySet(models.QuerySet):
    def enabled(self) -> AnalyticsModelQuerySet:
        return self.filter(enabled=True)


class AnalyticsModel(models.Model):
    """A configured model: target + indicators + analysis interval + processor."""

    name = models.CharField(
        _("name"),
        max_length=1333,
        blank=True,
        help_text=_("Empty means the target's name."),
    )
    target = models.CharField(
        _("target"),
        max_length=255,
        choices=registry.target_choices,
        help_text=_("What the model predicts (key of a registered target)."),
    )
    indicators = models.JSONField(
        _("indicators"),
        default=list,
        validators=[IndicatorKeysValidator()],
        help_text=_("Keys of the indicators the model learns from."),
    )
    interval = models.CharField(
        _("analysis interval"),
        max_length=255,
        blank=True,
        choices=registry.interval_choices,
        help_text=_(
            "How each course is cut into the moments when predictions are made."
        ),
    )
    processor = models.CharField(
        _("predictions processor"),
        max_length=50,
        blank=True,
        choices=registry.processor_choices,
        help_text=_("Empty means the site's default predictions processor."),
    )
    estimator = models.CharField(
        _("estimator"),
        max_length=50,
        blank=True,
        choices=estimator_choices,
        help_text=_(
            "What the built-in processor learns with; empty means logistic "
            "regression, the default. An ML backend server uses its own."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    trained = models.BooleanField(
        _("trained"),
        default=False,
        help_text=_("Rule-based models are trained from the start."),
    )
    version = models.BigIntegerField(
        _("version"),
        default=0,
        help_text=_("Changes whenever the model's configuration changes."),
    )
    contexts = models.JSONField(
        _("contexts"),
        default=list,
        blank=True,
        help_text=_("Restrict the model to these context ids; empty means all."),
    )
    timecreated = models.DateTimeField(_("created"), auto_now_add=True)
    timemodified = models.DateTimeField(_("modified"), auto_now=True)
    usermodified = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AnalyticsModelQuerySet.as_manager()

    class Meta:
        verbose_name = _("analytics model")
        verbose_name_plural = _("analytics models")
        ordering = ["id"]
        indexes = [models.Index(fields=["enabled", "trained"])]

    def __str__(self) -> str:
        if self.name:
            return self.name
        try:
            return str(registry.target_class(self.target).label)
        except registry.UnknownPlugin:
            return self.target


class ModelLog(models.Model):
    """One run, training or evaluation of a model, as the admin sees it."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        PREDICTION = "prediction", _("Prediction")
        EVALUATION = "evaluation", _("Evaluation (configuration)")
        EVALUATION_TRAINED = "trainedmodel", _("Evaluation (trained model)")

    class Result(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Success")
        WARNING = "warning", _("Finished with warnings")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    model = models.ForeignKey(
        AnalyticsModel,
        verbose_name=_("model"),
        on_delete=models.CASCADE,
        related_name="logs",
    )
    version = models.BigIntegerField(_("model version"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    interval = models.CharField(_("analysis interval"), max_length=255, blank=True)
    result = models.CharField(
        _("result"), max_length=20, choices=Result.choices, default=Result.RUNNING
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    analysables = models.PositiveIntegerField(_("analysables"), default=0)
    samples = models.PositiveIntegerField(_("samples"), default=0)
    info = models.JSONField(
        _("messages"), default=list, blank=True, help_text=_("Warnings and errors.")
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    directory = models.CharField(_("output directory"), max_length=1000, blank=True)
    timestarted = models.DateTimeField(_("started"), auto_now_add=True)
    timefinished = models.DateTimeField(_("finished"), null=True, blank=True)
    usermodified = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("model log")
        verbose_name_plural = _("model logs")
        ordering = ["-timestarted", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.model} {self.get_kind_display()} {self.timestarted:%Y-%m-%d %H:%M}"
        )

    def info_shown(self) -> list[dict[str, str]]:
        """The messages as the reader sees them: {level, text}, in the current
        language where the row kept the msgid (runs write English)."""
        return self._shown(self.info or [])

    def info_first_shown(self) -> list[dict[str, str]]:
        """The first five messages shown: a log list translates no more than it shows
        (a run over thousands of courses keeps a message for each)."""
        return self._shown((self.info or [])[:5])

    @staticmethod
    def _shown(entries: list[Any]) -> list[dict[str, str]]:
        from models_app.log_messages import log_entry_text

        return [
            {
                "level": str(entry.get("level", "")) if isinstance(entry, dict) else "",
                "text": log_entry_text(entry),
            }
            for entry in entries
        ]


class UsedAnalysable(models.Model):
    """When a model first and last analysed an analysable (Moodle's analytics_used_analysables)."""

    class Action(models.TextChoices):
        TRAINING = "training", _("Training")
        PREDICTION = "prediction", _("Prediction")

    model = models.ForeignKey(
        AnalyticsModel, on_delete=models.CASCADE, related_name="used_analysables"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    analysableid = models.BigIntegerField(_("analysable id"))
    firstanalysis = models.BigIntegerField(_("first analysis (Unix)"))
    timeanalysed = models.BigIntegerField(_("last analysis (Unix)"))

    class Meta:
        verbose_name = _("analysed analysable")
        verbose_name_plural = _("analysed analysables")
        constraints = [
            models.UniqueConstraint(
                fields=["model", "action", "analysableid"], name="used_analysable_uniq"
            )
        ]
        indexes = [models.Index(fields=["analysableid"])]

    def __str__(self) -> str:
        return f"{self.model_id} {self.action} {self.analysableid}"


class TrainSample(models.Model):
    """Samples of an analysable already used to train a model (each only once)."""

    model = models.ForeignKey(
        AnalyticsModel, on_delete=models.CASCADE, related_name="train_samples"
    )
    analysableid = models.BigIntegerField(_("analysable id"))
    interval = models.CharField(_("analysis interval"), max_length=255)
    sampleids = models.JSONField(_("sample ids"), default=list)
    timecreated = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training sample set")
        verbose_name_plural = _("training sample sets")
        indexes = [models.Index(fields=["model", "analysableid", "interval"])]

    def __str__(self) -> str:
        return f"{self.model_id} {self.analysableid} {self.interval}"


class PredictSample(models.Model):
    """Samples of an analysable range already predicted (each range once)."""

    model = models.ForeignKey(
        AnalyticsModel, on_delete=models.CASCADE, related_name="predict_samples"
    )
    analysableid = models.BigIntegerField(_("analysable id"))
    interval = models.CharField(_("analysis interval"), max_length=255)
    rangeindex = models.PositiveIntegerField(_("range index"))
    sampleids = models.JSONField(_("sample ids"), default=list)
    timecreated = models.DateTimeField(_("created"), auto_now_add=True)
    timemodified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("predicted sample set")
        verbose_name_plural = _("predicted sample sets")
        indexes = [
            models.Index(fields=["model", "analysableid", "interval", "rangeindex"])
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.analysableid} {self.interval} {self.rangeindex}"


class IndicatorCalculation(models.Model):
    """A cached indicator value for a sample in a time range (analytics_indicator_calc)."""

    starttime = models.BigIntegerField(_("start (Unix)"))
    endtime = models.BigIntegerField(_("end (Unix)"))
    contextid = models.BigIntegerField(_("context id"))
    sampleorigin = models.CharField(_("sample origin"), max_length=255)
    sampleid = models.BigIntegerField(_("sample id"))
    indicator = models.CharField(_("indicator"), max_length=255)
    value = models.FloatField(_("value"), null=True, blank=True)
    timecreated = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("indicator calculation")
        verbose_name_plural = _("indicator calculations")
        indexes = [models.Index(fields=["starttime", "endtime", "contextid"])]

    def __str__(self) -> str:
        return f"{self.indicator} {self.sampleid}: {self.value}"


class ModelLock(models.Model):
    """Who is processing a model now; expires so a dead worker blocks nobody forever."""

    model = models.OneToOneField(
        AnalyticsModel, on_delete=models.CASCADE, related_name="lock"
    )
    owner = models.CharField(_("held by"), max_length=255)
    acquired = models.DateTimeField(_("acquired"))
    expires = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("model lock")
        verbose_name_plural = _("model locks")

    def __str__(self) -> str:
        return f"{self.model_id} held by {self.owner}"
