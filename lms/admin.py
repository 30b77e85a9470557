"""Admin of the learning site: categories, courses, activities, people's progress.

Sites have thousands of courses and hundreds of thousands of enrolments, grades and
completions, so lists never count the whole table (`show_full_result_count`),
foreign keys to big tables are raw id fields, and filters offer short fixed lists
(no filter that lists every course or user).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from lms.models import (
    Activity,
    ActivityCompletion,
    ActivityGrade,
    Category,
    Course,
    CourseCompletion,
    CourseGrade,
    Enrolment,
    UserProfile,
)


class BigTableAdmin(admin.ModelAdmin):
    """Defaults for tables with many rows."""

    show_full_result_count = False
    list_per_page = 50


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "idnumber", "visible", "sortorder"]
    list_filter = ["visible", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "idnumber"]
    list_editable = ["sortorder"]


class CourseStatusFilter(admin.SimpleListFilter):
    """Where a course stands today, as the analytics targets see it."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("finished", _("Finished")),
            ("running", _("Running")),
            ("upcoming", _("Not started yet")),
            ("undated", _("Without dates")),
        ]

    def queryset(self, request, queryset):
        from django.utils import timezone

        now = timezone.now()
        if self.value() == "finished":
            return queryset.filter(enddate__lt=now)
        if self.value() == "running":
            return queryset.filter(startdate__lte=now).exclude(enddate__lt=now)
        if self.value() == "upcoming":
            return queryset.filter(startdate__gt=now)
        if self.value() == "undated":
            return queryset.filter(startdate__isnull=True)
        return queryset


@admin.register(Course)
class CourseAdmin(BigTableAdmin):
    list_display = [
        "shortname",
        "fullname",
        "category",
        "startdate",
        "enddate",
        "visible",
        "enablecompletion",
        "grade_to_pass",
    ]
    list_display_links = ["shortname", "fullname"]
    list_filter = [
        CourseStatusFilter,
        "visible",
        "enablecompletion",
        ("category", admin.RelatedOnlyFieldListFilter),
        "startdate",
        "enddate",
    ]
    list_select_related = ["category"]
    search_fields = ["shortname", "fullname", "idnumber"]
    date_hierarchy = "startdate"
    readonly_fields = ["timecreated"]
    fieldsets = [
        (
            None,
            {"fields": ["category", "shortname", "fullname", "idnumber", "summary"]},
        ),
        (_("Dates"), {"fields": ["startdate", "enddate", "visible"]}),
        (
            _("Grades and completion"),
            {
                "fields": [
                    "enablecompletion",
                    "grade_max",
                    "grade_to_pass",
                    "timecreated",
                ]
            },
        ),
    ]


@admin.register(Activity)
class ActivityAdmin(BigTableAdmin):
    list_display = [
        "name",
        "course",
        "modname",
        "section",
        "duedate",
        "completion",
        "grade_max",
        "visible",
    ]
    list_filter = ["modname", "completion", "visible"]
    list_select_related = ["course"]
    search_fields = ["name", "idnumber", "course__shortname"]
    raw_id_fields = ["course"]
    ordering = ["course", "section", "id"]


@admin.register(Enrolment)
class EnrolmentAdmin(BigTableAdmin):
    list_display = ["user", "course", "status", "timestart", "timeend"]
    list_filter = ["status"]
    list_select_related = ["user", "course"]
    search_fields = ["user__username", "user__email", "course__shortname"]
    raw_id_fields = ["user", "course"]
    ordering = ["-id"]


@admin.register(CourseGrade)
class CourseGradeAdmin(BigTableAdmin):
    list_display = ["user", "course", "finalgrade", "timemodified"]
    list_select_related = ["user", "course"]
    search_fields = ["user__username", "course__shortname"]
    raw_id_fields = ["user", "course"]
    ordering = ["-id"]


@admin.register(ActivityGrade)
class ActivityGradeAdmin(BigTableAdmin):
    list_display = ["user", "activity", "grade", "timesubmitted"]
    list_select_related = ["user", "activity"]
    search_fields = ["user__username", "activity__course__shortname"]
    raw_id_fields = ["user", "activity"]
    ordering = ["-id"]


@admin.register(ActivityCompletion)
class ActivityCompletionAdmin(BigTableAdmin):
    list_display = ["user", "activity", "state", "timemodified"]
    list_filter = ["state"]
    list_select_related = ["user", "activity"]
    search_fields = ["user__username", "activity__course__shortname"]
    raw_id_fields = ["user", "activity"]
    ordering = ["-id"]


class CompletedFilter(admin.SimpleListFilter):
    title = _("completed")
    parameter_name = "completed"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(timecompleted__isnull=False)
        if self.value() == "no":
            return queryset.filter(timecompleted__isnull=True)
        return queryset


@admin.register(CourseCompletion)
class CourseCompletionAdmin(BigTableAdmin):
    list_display = ["user", "course", "timeenrolled", "timestarted", "timecompleted"]
    list_filter = [CompletedFilter]
    list_select_related = ["user", "course"]
    search_fields = ["user__username", "course__shortname"]
    raw_id_fields = ["user", "course"]
    ordering = ["-id"]


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    fields = [
        "description",
        "picture",
        "city",
        "country",
        "lang",
        "timezone",
        "firstaccess",
        "lastaccess",
        "email_notifications",
    ]
    verbose_name_plural = _("profile")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class ProfileUserAdmin(UserAdmin):
    """Django's user admin with the profile facts that indicators use."""

    inlines = [*UserAdmin.inlines, UserProfileInline]
    show_full_result_count = False
