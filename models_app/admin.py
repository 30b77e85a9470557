"""Admin for analytics models, their logs and locks (read-only bookkeeping)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from models_app.forms import AnalyticsModelAdminForm
from models_app.models import AnalyticsModel, ModelLock, ModelLog
from models_app.services.models import (
    analytics_model_create,
    analytics_model_delete,
    analytics_model_update,
)

#: What the admin form hands to the services (contexts are saved beside them).
SERVICE_FIELDS = (
    "name",
    "target",
    "indicators",
    "interval",
    "processor",
    "estimator",
    "enabled",
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by runs, never by hand. Deleting them is allowed only where
    ``deletable`` says so (a stale lock or an old log line, not a prediction)."""

    deletable = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)


@admin.register(AnalyticsModel)
class AnalyticsModelAdmin(admin.ModelAdmin):
    """Edits go through the models page's services, so a change of target,
    indicators, interval or processor clears the model and bumps its version,
    and deleting a model also deletes what its processor stored."""

    form = AnalyticsModelAdminForm
    list_display = [
        "__str__",
        "target",
        "interval",
        "processor",
        "estimator",
        "enabled",
        "trained",
    ]
    list_filter = ["enabled", "trained", "target", "interval"]
    search_fields = ["name", "target"]
    readonly_fields = ["version", "trained", "timecreated", "timemodified"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # As on the models page (and in Moodle), the target is chosen only once.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "target"] if obj is not None else fields

    def save_model(
        self, request: HttpRequest, obj: AnalyticsModel, form: Any, change: bool
    ) -> None:
        data = {
            field: form.cleaned_data[field]
            for field in SERVICE_FIELDS
            if field in form.cleaned_data
        }
        data["indicators"] = list(data["indicators"])
        with transaction.atomic():
            if change:
                model = analytics_model_update(
                    model=AnalyticsModel.objects.get(pk=obj.pk),
                    data=data,
                    user=request.user,
                )
            else:
                model = analytics_model_create(**data, user=request.user)
            model.contexts = form.cleaned_data["contexts"]
            model.save(update_fields=["contexts"])
        obj.pk = model.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: AnalyticsModel) -> None:
        analytics_model_delete(model=obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for model in queryset:
                analytics_model_delete(model=model, user=request.user)


@admin.register(ModelLog)
class ModelLogAdmin(ReadOnlyAdmin):
    list_display = [
        "timestarted",
        "model",
        "kind",
        "interval_shown",
        "result",
        "score",
        "analysables",
        "samples",
        "duration",
    ]
    list_filter = ["kind", "result", "model"]
    search_fields = ["model__name", "model__target", "interval"]
    date_hierarchy = "timestarted"
    list_select_related = ["model"]
    readonly_fields = ["interval_shown", "messages_shown"]

    @admin.display(description=_("analysis interval"), ordering="interval")
    def interval_shown(self, obj: ModelLog) -> str:
        """The interval's label in the admin's language, not its stored key."""
        from models_app.plugins.registry import interval_label

        return interval_label(obj.interval) or "—"

    @admin.display(description=_("messages (in your language)"))
    def messages_shown(self, obj: ModelLog) -> str:
        """The stored messages are English JSON; this shows them translated."""
        return format_html_join(
            "", "<p>{}</p>", ((item["text"],) for item in obj.info_shown())
        )

    @admin.display(description=_("duration"))
    def duration(self, obj: ModelLog) -> str:
        if obj.timefinished is None:
            return "—"
        seconds = (obj.timefinished - obj.timestarted).total_seconds()
        return f"{seconds:.1f} s"


@admin.register(ModelLock)
class ModelLockAdmin(ReadOnlyAdmin):
    list_display = ["model", "owner", "acquired", "expires"]
