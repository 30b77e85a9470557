"""Admin for who may do what where: contexts, roles, capabilities, assignments.

Role assignments are edited per context (an inline on the context page) or in their
own list. Contexts themselves are kept in step with the site's objects by
lms/signals.py, so their tree fields are read-only here.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from access.models import (
    Capability,
    Context,
    Role,
    RoleAssignment,
    RoleCapability,
    RoleContextLevel,
)
from access.selectors import context_instance


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    fields = ("role", "user", "timemodified")
    readonly_fields = ("timemodified",)
    raw_id_fields = ("user",)
    verbose_name = _("role assignment in this context")
    verbose_name_plural = _("role assignments in this context")


class ContextRoleCapabilityInline(admin.TabularInline):
    model = RoleCapability
    extra = 0
    fields = ("role", "capability", "permission")
    verbose_name = _("permission override in this context")
    verbose_name_plural = _("permission overrides in this context")


@admin.register(Context)
class ContextAdmin(admin.ModelAdmin):
    # belongs_to costs one query per row; 50 rows a page keeps that cheap.
    list_display = ("id", "contextlevel", "instanceid", "belongs_to", "path", "depth")
    list_per_page = 50
    list_filter = ("contextlevel", "depth")
    search_fields = ("=id", "=instanceid", "path")
    ordering = ("path",)
    readonly_fields = (
        "contextlevel",
        "instanceid",
        "belongs_to",
        "parent",
        "path",
        "depth",
    )
    inlines = [RoleAssignmentInline, ContextRoleCapabilityInline]
    show_full_result_count = False

    @admin.display(description=_("belongs to"))
    def belongs_to(self, context: Context) -> str:
        instance = context_instance(context)
        return str(instance) if instance is not None else _("The whole site")

    def has_add_permission(self, request) -> bool:
        # Contexts follow categories, courses, activities and users; never by hand.
        return False


class RoleContextLevelInline(admin.TabularInline):
    model = RoleContextLevel
    extra = 0


class RoleCapabilityInline(admin.TabularInline):
    model = RoleCapability
    extra = 0
    fields = ("capability", "context", "permission", "timemodified")
    readonly_fields = ("timemodified",)
    raw_id_fields = ("context",)
    verbose_name = _("permission")
    verbose_name_plural = _("permissions (system definition and overrides)")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "shortname", "archetype", "sortorder")
    list_filter = ("archetype",)
    search_fields = ("name", "shortname")
    inlines = [RoleContextLevelInline, RoleCapabilityInline]


@admin.register(Capability)
class CapabilityAdmin(admin.ModelAdmin):
    list_display = ("name", "captype", "contextlevel", "riskbitmask")
    list_filter = ("captype", "contextlevel")
    search_fields = ("name",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "context", "timemodified")
    list_filter = ("role", "context__contextlevel")
    search_fields = ("user__username", "user__email", "=context__instanceid")
    list_select_related = ("user", "role", "context")
    raw_id_fields = ("user", "context")
    date_hierarchy = "timemodified"


@admin.register(RoleCapability)
class RoleCapabilityAdmin(admin.ModelAdmin):
    list_display = ("role", "capability", "context", "permission", "timemodified")
    list_filter = ("permission", "role", "capability", "context__contextlevel")
    search_fields = ("capability__name", "role__shortname", "=context__instanceid")
    list_select_related = ("role", "capability", "context")
    raw_id_fields = ("context",)
