"""Read-only admin for predictions, actions, insights, notifications and the
messages teachers sent to students.

Predictions and what people did with them are records of what happened: nobody
edits them here. The predictions list opens with per-model figures (how many
predictions, and the share people marked useful, not useful or incorrectly flagged),
which say whether a model's insights are worth sending.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from insights.models import (
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


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("subject", "user", "timecreated", "timeread", "timeemailed")
    list_filter = (
        ("timeread", admin.EmptyFieldListFilter),
        ("timeemailed", admin.EmptyFieldListFilter),
    )
    search_fields = ("user__username", "subject")
    list_select_related = ("user",)
    raw_id_fields = ("user", "insight")


@admin.register(StudentMessage)
class StudentMessageAdmin(ReadOnlyAdmin):
    list_display = ("subject", "sender", "recipient", "timecreated", "timeemailed")
    list_filter = (("timeemailed", admin.EmptyFieldListFilter),)
    search_fields = ("sender__username", "recipient__username", "subject")
    list_select_related = ("sender", "recipient")
    raw_id_fields = ("sender", "recipient", "prediction")
