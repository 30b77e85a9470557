"""API tokens in the admin: create one (its key is shown once), revoke, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "user__username", "prefix")
    autocomplete_fields = ("user",)
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        if obj is None:
            return ("user", "name")
        return ("user", "name", "prefix", "created", "last_used", "revoked")

    def get_readonly_fields(
        self, request: HttpRequest, obj: ApiToken | None = None
    ) -> Any:
        if obj is None:
            return ()
        return ("user", "prefix", "created", "last_used", "revoked")

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change) -> None:
        if not change:
            obj._new_key = obj.key_generate()  # shown by response_add, then gone
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue=None
    ) -> HttpResponse:
        """A page with the key, once; never a message (those sit in a cookie)."""
        response = TemplateResponse(
            request,
            "api/token_created.html",
            {
                **self.admin_site.each_context(request),
                "title": _("API token created"),
                "token": obj,
                "key": getattr(obj, "_new_key", ""),
                "opts": self.opts,
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset) -> None:
        tokens = list(queryset.filter(revoked__isnull=True))
        for token in tokens:
            token.revoke()
        self.message_user(
            request,
            ngettext(
                "%(count)d token revoked: it no longer works.",
                "%(count)d tokens revoked: they no longer work.",
                len(tokens),
            )
            % {"count": len(tokens)},
            messages.SUCCESS,
        )
