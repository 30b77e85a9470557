"""Predictions that became insights, and what people did with them.

An insight is what people are told about: the predictions of one analytics model in
one context (a course, the site, a user). Each prediction run adds predictions to
insights and sends one notification per insight to each recipient, never one per
prediction (Moodle's insights_generator for multi-sample targets).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
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
    reasons = models.JSONField(
        _("reasons"),
        default=dict,
        blank=True,
        help_text=_(
            "The indicators that moved this prediction most, according to the "
            "model, largest first."
        ),
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
        constraints = [
            # A second submission of the same action by the same person changes
            # nothing: the database refuses the duplicate even under a race.
            models.UniqueConstraint(
                fields=["prediction", "user", "actionname"],
                name="prediction_action_once_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.actionname} {self.prediction_id}"


class Insight(models.Model):
    """The predictions of one model in one context, as one thing people hear about."""

    model = models.ForeignKey(
        "models_app.AnalyticsModel",
        verbose_name=_("model"),
        on_delete=models.CASCADE,
        related_name="insights",
    )
    context = models.ForeignKey(
        "access.Context",
        verbose_name=_("context"),
        on_delete=models.CASCADE,
        related_name="insights",
    )
    timecreated = models.DateTimeField(_("created"), auto_now_add=True)
    timemodified = models.DateTimeField(
        _("last generated"),
        default=timezone.now,
        help_text=_("When a prediction run last added predictions to this insight."),
    )

    class Meta:
        verbose_name = _("insight")
        verbose_name_plural = _("insights")
        ordering = ["-timemodified", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "context"], name="insight_model_context_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model} @ {self.context}"

    def get_absolute_url(self) -> str:
        return reverse("insights:insight", args=[self.pk])


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(timeread__isnull=True)


class Notification(models.Model):
    """An insight told to one person, in the site and (unless they opted out) by email.

    Subject and body are rendered once, in the recipient's language, when the
    insight is generated (as Moodle forces the recipient's language), so the list of
    notifications needs no plug-in and says what the email said.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="insight_notifications",
    )
    insight = models.ForeignKey(
        Insight,
        verbose_name=_("insight"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    subject = models.CharField(_("subject"), max_length=2000)
    body = models.TextField(_("message"), blank=True)
    timecreated = models.DateTimeField(_("sent"), auto_now_add=True)
    timeread = models.DateTimeField(
        _("read"), null=True, blank=True, help_text=_("Empty while unread.")
    )
    timeemailed = models.DateTimeField(
        _("emailed"),
        null=True,
        blank=True,
        help_text=_("Empty when the recipient turned email off or sending failed."),
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-timecreated", "-id"]
        indexes = [models.Index(fields=["user", "timeread"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("insights:notification_open", args=[self.pk])


class StudentMessage(models.Model):
    """A message a teacher sent to a student from an insight (Moodle's "Send message"
    action). Delivered by email, with the teacher as the address to reply to."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="student_messages_sent",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="student_messages",
    )
    prediction = models.ForeignKey(
        Prediction,
        verbose_name=_("prediction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="student_messages",
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    timecreated = models.DateTimeField(_("sent"), auto_now_add=True)
    timeemailed = models.DateTimeField(
        _("emailed"),
        null=True,
        blank=True,
        help_text=_("Empty when the student has no email address or sending failed."),
    )

    class Meta:
        verbose_name = _("message to a student")
        verbose_name_plural = _("messages to students")
        ordering = ["-timecreated", "-id"]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient}: {self.subject}"


class EmailDeliveryQuerySet(models.QuerySet):
    def of_notifications(self) -> EmailDeliveryQuerySet:
        return self.filter(notification__isnull=False)

    def of_student_messages(self) -> EmailDeliveryQuerySet:
        return self.filter(student_message__isnull=False)


class EmailDelivery(models.Model):
    """The email of one notification or one message to a student, and how sending
    it went.

    A Celery task sends it after the transaction that wrote the row commits, and
    retries with backoff while the mail server fails; the email is rendered when
    it is sent (current address and language, fresh links), so "Send again" in the
    admin sends what is true then. A row exists only when an email was wanted.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    notification = models.OneToOneField(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="email",
    )
    student_message = models.OneToOneField(
        StudentMessage,
        verbose_name=_("message to a student"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="email",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        help_text=_(
            "Pending until a worker sends it; failed when the mail server refused "
            "it after every retry (use “Send again” once it is fixed)."
        ),
    )
    attempts = models.PositiveIntegerField(
        _("attempts"), default=0, help_text=_("How many times sending was tried.")
    )
    last_error = models.CharField(
        _("last error"),
        max_length=300,
        blank=True,
        help_text=_("What the mail server or the connection said on the last try."),
    )
    timecreated = models.DateTimeField(_("queued"), auto_now_add=True)
    timeclaimed = models.DateTimeField(
        _("last tried"),
        null=True,
        blank=True,
        help_text=_("When a worker last took it to send."),
    )
    timesent = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = EmailDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        ordering = ["-timecreated", "-id"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(notification__isnull=False, student_message__isnull=True)
                    | models.Q(notification__isnull=True, student_message__isnull=False)
                ),
                name="email_delivery_of_one_thing",
            )
        ]

    def __str__(self) -> str:
        return str(self.notification or self.student_message)
