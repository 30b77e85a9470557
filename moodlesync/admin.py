"""The admin's "Moodle site" page (status, release, version, site identifier, last
sync and counts) and read-only views of the sync's state and id map."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from moodlesync.models import ExternalId, SiteInfo, SyncState
from moodlesync.selectors import moodle_site_status


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SiteInfo)
class SiteInfoAdmin(ReadOnly):
    """One page, not a list: what the connection says now and what was synced."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Moodle site"),
            "status": moodle_site_status(),
        }
        return TemplateResponse(request, "admin/moodlesync/site.html", context)


@admin.register(SyncState)
class SyncStateAdmin(ReadOnly):
    list_display = ["part", "status", "last_run", "last_success", "cursor"]
    list_filter = ["status"]
    readonly_fields = [
        "part",
        "status",
        "cursor",
        "last_run",
        "last_success",
        "counts",
        "messages",
        "late_window",
    ]


@admin.register(ExternalId)
class ExternalIdAdmin(ReadOnly):
    list_display = ["kind", "moodle_id", "local_id"]
    list_filter = ["kind"]
    search_fields = ["=moodle_id", "=local_id"]
