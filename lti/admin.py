"""Admin for LTI: platform registrations, the values a platform's admin enters, keys.

The registration page (`admin/lti/platform/registration/`) lists, by the names of
Moodle's "configure a tool manually" form, what to enter on the platform, and which
of Moodle's "Tool configuration details" go into which field here. The tool's
private key is never shown: the key admin shows public halves and can rotate.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lti.keys import tool_key_current, tool_key_rotate
from lti.models import LaunchCourse, LaunchUser, Platform, ToolKey
from lti.roles import ROLE_MAP, ROLE_MAP_LABELS
from lti.tool import tool_urls


def moodle_tool_values(request: HttpRequest) -> list[tuple[str, str]]:
    """(Moodle form field, value) pairs for "configure a tool manually"."""
    urls = tool_urls(request)
    return [
        (_("Tool name"), "Foresight"),
        (_("Tool URL"), urls["launch"]),
        (_("LTI version"), "LTI 1.3"),
        (_("Public key type"), _("Keyset URL")),
        (_("Public keyset"), urls["jwks"]),
        (_("Initiate login URL"), urls["login"]),
        (_("Redirection URI(s)"), urls["launch"]),
        (_("Supports Deep Linking (Content-Item Message)"), _("Optional")),
        (_("Content Selection URL"), urls["launch"]),
        (_("Default launch container"), _("Embed, without blocks (or New window)")),
    ]


def moodle_platform_values() -> list[tuple[str, str]]:
    """(Moodle "Tool configuration details" value, Foresight field) pairs."""
    return [
        (_("Platform ID"), _("Issuer")),
        (_("Client ID"), _("Client id")),
        (_("Deployment ID"), _("Deployment ids")),
        (_("Public keyset URL"), _("Public keyset URL")),
        (_("Access token URL"), _("Access token URL")),
        (_("Authentication request URL"), _("Authentication request URL")),
    ]


def role_mapping_rows() -> list[tuple[str, str]]:
    from access.models import Role

    names = dict(Role.objects.values_list("shortname", "name"))
    return [
        (str(ROLE_MAP_LABELS[lti]), names.get(shortname, shortname))
        for lti, shortname in ROLE_MAP
    ]


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "issuer", "client_id", "moodle_sync", "enabled"]
    list_filter = ["enabled", "moodle_sync"]
    search_fields = ["name", "issuer", "client_id"]
    readonly_fields = ["registration_link"]
    change_list_template = "lti/admin/platform_change_list.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "enabled", "registration_link"]}),
        (
            _("Values the platform shows"),
            {
                "fields": [
                    "issuer",
                    "client_id",
                    "deployment_ids",
                    "keyset_url",
                    "public_key",
                    "auth_login_url",
                    "token_url",
                ]
            },
        ),
        (
            _("Launches"),
            {"fields": ["moodle_sync", "create_unknown", "frame_origins"]},
        ),
    ]

    @admin.display(description=_("values for the platform"))
    def registration_link(self, obj: Platform | None = None) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:lti_platform_registration"),
            _("What to enter on the platform"),
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "registration/",
                self.admin_site.admin_view(self.registration_view),
                name="lti_platform_registration",
            ),
            *super().get_urls(),
        ]

    def registration_view(self, request: HttpRequest) -> HttpResponse:
        tool_key_current()  # the keyset URL shown must publish a key
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Register Foresight on a learning platform"),
            "tool_values": moodle_tool_values(request),
            "platform_values": moodle_platform_values(),
            "role_rows": role_mapping_rows(),
            "platforms": Platform.objects.all(),
        }
        return TemplateResponse(request, "lti/admin/registration.html", context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        extra = {
            "registration_url": reverse("admin:lti_platform_registration"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)


@admin.register(ToolKey)
class ToolKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "active", "created"]
    fields = ["kid", "active", "created", "public_jwk"]
    readonly_fields = ["kid", "created", "public_jwk"]
    actions = ["rotate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Create a new key (older keys stay published)"))
    def rotate(self, request: HttpRequest, queryset: Any) -> None:
        key = tool_key_rotate(keep_old=True)
        self.message_user(
            request,
            _("New key %(kid)s created and published.") % {"kid": key.kid},
            messages.SUCCESS,
        )


@admin.register(LaunchUser)
class LaunchUserAdmin(admin.ModelAdmin):
    list_display = ["platform", "sub", "user", "created_from_launch", "last_launch"]
    list_filter = ["platform", "created_from_launch"]
    search_fields = ["sub", "user__username"]
    raw_id_fields = ["user"]


@admin.register(LaunchCourse)
class LaunchCourseAdmin(admin.ModelAdmin):
    list_display = ["platform", "context_id", "course", "created_from_launch"]
    list_filter = ["platform", "created_from_launch"]
    search_fields = ["context_id", "course__shortname"]
    raw_id_fields = ["course"]
