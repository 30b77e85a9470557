"""Predictions that became insights, and what people did with them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Prediction(models.Model):
    """A stored, confident, non-ignored prediction (Moodle's analytics_predictions)."""

    model = models.ForeignKey(
        "models_app.AnalyticsModel",
        verbose_name=_("model"),
        on_delete=models.CASCADE,
        related_name="predictions",
    )
    context = models.ForeignKey(
        "access.Context",
        verbose_name=_("context"),
        on_delete=models.CASCADE,
        related_name="predictions",
    )
    sampleid = models.BigIntegerField(
        _("sample id"), help_text=_("Id of the enrolment, course or user predicted.")
    )
    rangeindex = models.PositiveIntegerField(_("range index"))
    prediction = models.FloatField(_("predicted class"))
    predictionscore = models.FloatField(_("score"))
    calculations = models.JSONField(
        _("indicator values"),
        default=dict,
        help_text=_("Indicator key to value, as used for this prediction."),
    )
    timecreated = models.DateTimeField(_("predicted"), auto_now_add=True)
    timestart = models.BigIntegerField(_("range start (Unix)"), null=True, blank=True)
    timeend = models.BigIntegerField(_("range end (Unix)"), null=True, blank=True)

    class Meta:
        verbose_name = _("prediction")
        verbose_name_plural = _("predictions")
        ordering = ["-timecreated", "-id"]
        indexes = [models.Index(fields=["model", "context"])]

    def __str__(self) -> str:
        return f"{self.model} #{self.sampleid} ({self.rangeindex})"


class PredictionAction(models.Model):
    """An action a person took on a prediction (analytics_prediction_actions)."""

    prediction = models.ForeignKey(
        Prediction,
        verbose_name=_("prediction"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="prediction_actions",
    )
    actionname = models.CharField(_("action"), max_length=255)
    timecreated = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("prediction action")
        verbose_name_plural = _("prediction actions")
        indexes = [models.Index(fields=["prediction", "user", "actionname"])]

    def __str__(self) -> str:
        return f"{self.user} {self.actionname} {self.prediction_id}"
