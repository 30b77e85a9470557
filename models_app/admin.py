"""Admin for analytics models, their logs and locks (read-only bookkeeping)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from models_app.models import AnalyticsModel, ModelLock, ModelLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by runs, never by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AnalyticsModel)
class AnalyticsModelAdmin(admin.ModelAdmin):
    list_display = ["__str__", "target", "interval", "processor", "enabled", "trained"]
    list_filter = ["enabled", "trained", "target", "interval"]
    search_fields = ["name", "target"]
    readonly_fields = ["version", "trained", "timecreated", "timemodified"]


@admin.register(ModelLog)
class ModelLogAdmin(ReadOnlyAdmin):
    list_display = [
        "timestarted",
        "model",
        "kind",
        "interval",
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

    @admin.display(description=_("duration"))
    def duration(self, obj: ModelLog) -> str:
        if obj.timefinished is None:
            return "—"
        seconds = (obj.timefinished - obj.timestarted).total_seconds()
        return f"{seconds:.1f} s"


@admin.register(ModelLock)
class ModelLockAdmin(ReadOnlyAdmin):
    list_display = ["model", "owner", "acquired", "expires"]
