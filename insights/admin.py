"""Read-only admin for predictions, actions, insights, notifications, the
messages teachers sent to students and the emails that carried them.

Predictions and what people did with them are records of what happened: nobody
edits them here. The predictions list opens with per-model figures (how many
predictions, and the share people marked useful, not useful or incorrectly flagged),
which say whether a model's insights are worth sending. Notifications and messages
show how their email went (pending, sent, failed and why); "Send again" queues the
failed ones once the mail server is fixed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from insights.emails import email_deliveries_resend
from insights.models import (
    EmailDelivery,
    Insight,
    Notification,
    Prediction,
    PredictionAction,
    StudentMessage,
)
from insights.selectors import prediction_figures_by_model
from models_app.admin import ReadOnlyAdmin as BaseReadOnlyAdmin


class ReadOnlyAdmin(BaseReadOnlyAdmin):
    """What runs and teachers wrote is evidence: nobody deletes it by hand."""

    deletable = False


class PredictionActionInline(admin.TabularInline):
    model = PredictionAction
    fields = ("actionname", "user", "timecreated")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f} %" if total else "–"


@admin.register(Prediction)
class PredictionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "model",
        "context",
        "sampleid",
        "rangeindex",
        "prediction",
        "predictionscore",
        "timecreated",
    )
    list_filter = ("model",)
    search_fields = ("sampleid",)
    date_hierarchy = "timecreated"
    list_select_related = ("model", "context")
    inlines = [PredictionActionInline]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        figures = [
            {
                "model": model,
                "total": model.predictions_total,
                "useful": _share(model.marked_useful, model.predictions_total),
                "notuseful": _share(model.marked_notuseful, model.predictions_total),
                "incorrectlyflagged": _share(
                    model.marked_incorrectlyflagged, model.predictions_total
                ),
            }
            for model in prediction_figures_by_model()
        ]
        return super().changelist_view(
            request, extra_context={**(extra_context or {}), "figures": figures}
        )


@admin.register(PredictionAction)
class PredictionActionAdmin(ReadOnlyAdmin):
    list_display = ("prediction", "actionname", "user", "timecreated")
    list_filter = ("actionname", "prediction__model")
    search_fields = ("user__username", "actionname")
    list_select_related = ("prediction__model", "user")
    raw_id_fields = ("prediction", "user")


@admin.register(Insight)
class InsightAdmin(ReadOnlyAdmin):
    list_display = ("model", "context", "timecreated", "timemodified")
    list_filter = ("model",)
    list_select_related = ("model", "context")


def _resend(
    modeladmin: admin.ModelAdmin, request: HttpRequest, deliveries: QuerySet
) -> None:
    queued = email_deliveries_resend(deliveries=deliveries)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d email queued to be sent again.",
            "%(count)d emails queued to be sent again.",
            queued,
        )
        % {"count": queued},
        messages.SUCCESS if queued else messages.WARNING,
    )
    skipped = deliveries.count() - queued
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d was left alone: already sent or being sent.",
                "%(count)d were left alone: already sent or being sent.",
                skipped,
            )
            % {"count": skipped},
            messages.INFO,
        )


class EmailStatusFilter(admin.ChoicesFieldListFilter):
    """The delivery's status, titled "email" beside the notification's own fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("email")


class EmailStatusAdmin(ReadOnlyAdmin):
    """A notification's or message's email status as a column and a filter, its
    error, and "Send again" (which queues the email, never sends it twice)."""

    actions = ["send_again"]
    #: The delivery's field that points at this admin's rows ("": the rows are
    #: the deliveries).
    delivery_field = ""

    @admin.display(description=_("email"), ordering="email__status")
    def email_status(self, obj: Any) -> str:
        delivery = getattr(obj, "email", None)
        if delivery is None:
            return "–"
        return str(delivery.get_status_display())

    @admin.display(description=_("email error"))
    def email_error(self, obj: Any) -> str:
        delivery = getattr(obj, "email", None)
        return delivery.last_error if delivery is not None else ""

    @admin.action(description=_("Send again"), permissions=["resend"])
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        deliveries = (
            EmailDelivery.objects.filter(**{f"{self.delivery_field}__in": queryset})
            if self.delivery_field
            else queryset
        )
        _resend(self, request, deliveries)

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("insights.change_emaildelivery")


@admin.register(Notification)
class NotificationAdmin(EmailStatusAdmin):
    delivery_field = "notification"
    list_display = (
        "subject",
        "user",
        "timecreated",
        "timeread",
        "email_status",
        "email_error",
        "timeemailed",
    )
    list_filter = (
        ("email__status", EmailStatusFilter),
        ("timeread", admin.EmptyFieldListFilter),
        ("timeemailed", admin.EmptyFieldListFilter),
    )
    search_fields = ("user__username", "subject")
    list_select_related = ("user", "email")
    raw_id_fields = ("user", "insight")


@admin.register(StudentMessage)
class StudentMessageAdmin(EmailStatusAdmin):
    delivery_field = "student_message"
    list_display = (
        "subject",
        "sender",
        "recipient",
        "timecreated",
        "email_status",
        "email_error",
        "timeemailed",
    )
    list_filter = (
        ("email__status", EmailStatusFilter),
        ("timeemailed", admin.EmptyFieldListFilter),
    )
    search_fields = ("sender__username", "recipient__username", "subject")
    list_select_related = ("sender", "recipient", "email")
    raw_id_fields = ("sender", "recipient", "prediction")


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(EmailStatusAdmin):
    list_display = (
        "__str__",
        "status",
        "attempts",
        "last_error",
        "timecreated",
        "timeclaimed",
        "timesent",
    )
    list_filter = ("status", ("notification", admin.EmptyFieldListFilter))
    search_fields = (
        "notification__user__username",
        "student_message__recipient__username",
        "last_error",
    )
    list_select_related = (
        "notification__user",
        "student_message__sender",
        "student_message__recipient",
    )
    raw_id_fields = ("notification", "student_message")
