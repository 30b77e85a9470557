"""Read-only admin of both log stores, fast on tables of tens of millions of rows.

What keeps it fast: no count of the whole table (an estimate from PostgreSQL's
statistics, or a count capped at `LogPaginator.cap`), filters whose choices are fixed
lists instead of a DISTINCT over the table, a time filter on the indexed integer
timestamp instead of a date hierarchy (which needs a date column), newest rows first
by primary key, and search by indexed ids only (a text search would scan the table).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from logstore.models import LegacyLogEntry, StandardLogEntry
from logstore.services import LEGACY_EVENTS


class LogPaginator(Paginator):
    """Counts at most `cap` rows; an unfiltered list uses the planner's estimate."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = queryset.query
        connection = connections[queryset.db]
        if not query.where and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > self.cap:
                return int(row[0])
        return queryset[: self.cap].count()


def _time(value: int | None) -> str:
    if value is None:
        return "-"
    moment = dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


class TimeFilter(admin.SimpleListFilter):
    """Recent periods on the integer timestamp (a date hierarchy needs a date column)."""

    title = _("time")
    parameter_name = "period"
    field = "timecreated"
    periods = {
        "day": (_("Past 24 hours"), dt.timedelta(days=1)),
        "week": (_("Past 7 days"), dt.timedelta(days=7)),
        "month": (_("Past 30 days"), dt.timedelta(days=30)),
        "year": (_("Past year"), dt.timedelta(days=365)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _delta) in self.periods.items()] + [
            ("older", _("More than a year ago"))
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() in self.periods:
            since = int((now - self.periods[self.value()][1]).timestamp())
            return queryset.filter(**{f"{self.field}__gte": since})
        if self.value() == "older":
            before = int((now - self.periods["year"][1]).timestamp())
            return queryset.filter(**{f"{self.field}__lt": before})
        return queryset


class LegacyTimeFilter(TimeFilter):
    field = "time"


class ComponentFilter(admin.SimpleListFilter):
    """Components from a fixed list: a DISTINCT over the log would scan it all."""

    title = _("component")
    parameter_name = "component"

    def lookups(self, request, model_admin):
        from lms.models import Activity

        components = ["core", "gradereport_grader"] + [
            f"mod_{value}" for value in Activity.Type.values
        ]
        return [(c, c) for c in components]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(component=self.value())
        return queryset


class ModuleFilter(admin.SimpleListFilter):
    title = _("module")
    parameter_name = "module"

    def lookups(self, request, model_admin):
        from lms.models import Activity

        modules = {m for m, _a, _u, _i in LEGACY_EVENTS.values()}
        modules |= set(Activity.Type.values)
        return [(m, m) for m in sorted(modules)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(module=self.value())
        return queryset


class LogAdmin(admin.ModelAdmin):
    """Read-only: the log is written by Moodle-style events, never edited by hand."""

    paginator = LogPaginator
    show_full_result_count = False
    list_per_page = 100
    ordering = ["-id"]
    id_fields: tuple[str, ...] = ()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        """A number finds the rows of that user or course (both indexed)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        from django.db.models import Q

        query = Q()
        for name in self.id_fields:
            query |= Q(**{name: int(term)})
        return queryset.filter(query), False


@admin.register(StandardLogEntry)
class StandardLogEntryAdmin(LogAdmin):
    list_display = [
        "id",
        "time_created",
        "eventname",
        "component",
        "crud",
        "edulevel",
        "userid",
        "courseid",
        "contextlevel",
        "contextinstanceid",
        "relateduserid",
    ]
    list_filter = [TimeFilter, "crud", "edulevel", ComponentFilter]
    search_fields = ["=userid"]  # shows the search box; see get_search_results
    search_help_text = _("A user id or a course id.")
    id_fields = ("userid", "courseid")
    readonly_fields = ["time_created"]

    @admin.display(description=_("time"), ordering="timecreated")
    def time_created(self, obj: StandardLogEntry) -> str:
        return _time(obj.timecreated)


@admin.register(LegacyLogEntry)
class LegacyLogEntryAdmin(LogAdmin):
    list_display = [
        "id",
        "time_display",
        "userid",
        "course",
        "module",
        "cmid",
        "action",
        "url",
        "ip",
    ]
    list_filter = [LegacyTimeFilter, ModuleFilter]
    search_fields = ["=userid"]
    search_help_text = _("A user id or a course id.")
    id_fields = ("userid", "course")
    readonly_fields = ["time_display"]

    @admin.display(description=_("time"), ordering="time")
    def time_display(self, obj: LegacyLogEntry) -> str:
        return _time(obj.time)
