"""The "Analytics" section of the admin: two single-row settings pages and the audit.

Each settings record is edited as one page (no list, no add, no delete). Saving goes
through settings_app.services so every change is audited; a new default predictions
processor first shows a confirmation saying how many models will be cleared.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from settings_app import hooks
from settings_app.forms import AnalyticsSettingsForm, SiteInformationForm
from settings_app.models import AnalyticsSettings, SettingChange, SiteInformation
from settings_app.pending import (
    PAD_FIELD,
    SESSION_KEY,
    pending_change_keep,
    pending_change_take,
)
from settings_app.services import analytics_settings_update, site_information_update

CONFIRM_FIELD = "_confirm_processor_change"


class SingletonAdmin(admin.ModelAdmin):
    """A record of one row: the list and the add page lead to its change page."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _change_url(self) -> str:
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[self.model.singleton_id],
            current_app=self.admin_site.name,
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        self.model.load()
        return HttpResponseRedirect(self._change_url())

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        self.model.load()
        extra_context = {
            **(extra_context or {}),
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        self.message_user(
            request,
            _("The changes to “%(name)s” were saved.") % {"name": obj},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url())


@admin.register(SiteInformation)
class SiteInformationAdmin(SingletonAdmin):
    form = SiteInformationForm
    fields = [
        "mode_of_instruction",
        "percent_online",
        "institution_type",
        "institution_level",
    ]

    def save_model(
        self, request: HttpRequest, obj: SiteInformation, form: Any, change: bool
    ) -> None:
        site_information_update(
            values={name: getattr(obj, name) for name in form.changed_data},
            user=request.user,
        )


@admin.register(AnalyticsSettings)
class AnalyticsSettingsAdmin(SingletonAdmin):
    form = AnalyticsSettingsForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "enabled",
                    "default_processor",
                    "logstore",
                    "evaluation_intervals",
                    "models_output_dir",
                    "only_cli",
                    "model_time_limit",
                    "calc_lifetime",
                ]
            },
        ),
        (
            gettext_lazy("ML backend server"),
            {
                "fields": [
                    "mlbackend_url",
                    "mlbackend_username",
                    "mlbackend_password",
                    "mlbackend_password_clear",
                    "mlbackend_verify_tls",
                ],
                "description": gettext_lazy(
                    "Used by the “mlbackend” predictions processor: a Foresight or "
                    "Moodle ML backend server."
                ),
            },
        ),
    ]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and object_id:
            if CONFIRM_FIELD in request.POST:
                waiting = SESSION_KEY in request.session
                pending = pending_change_take(
                    session=request.session, pad=request.POST.get(PAD_FIELD, "")
                )
                if pending is None:
                    self.message_user(
                        request,
                        _(
                            "The change could not be confirmed: the password typed "
                            "with it did not come back with the confirmation. "
                            "Nothing was saved; make the change again."
                        )
                        if waiting
                        else _(
                            "Nothing to confirm: the change was already made or dropped."
                        ),
                        messages.WARNING,
                    )
                    return HttpResponseRedirect(self._change_url())
                request.POST = pending
            else:
                confirmation = self._confirmation_if_needed(request)
                if confirmation is not None:
                    return confirmation
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _confirmation_if_needed(self, request: HttpRequest) -> HttpResponse | None:
        """The confirmation page when a valid form changes the default processor."""
        saved = AnalyticsSettings.load()
        if request.POST.get("default_processor", saved.default_processor) == (
            saved.default_processor
        ):
            return None
        if not self.has_change_permission(request, saved):
            return None  # the admin's own view answers with 403
        form = self.get_form(request, saved, change=True)(request.POST, instance=saved)
        if not form.is_valid():
            return None  # the admin's own view shows the errors
        # The submitted values wait in the session; a typed password only as two
        # shares, one there and one on the page (settings_app.pending).
        pad = pending_change_keep(session=request.session, data=request.POST)
        saved = AnalyticsSettings.load()  # the form changed the other instance
        labels = dict(hooks.processor_choices())
        count = hooks.default_processor_users()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change the default predictions processor?"),
            "opts": self.model._meta,
            "object": saved,
            "old_label": labels.get(saved.default_processor, saved.default_processor),
            "new_label": labels.get(
                form.cleaned_data["default_processor"],
                form.cleaned_data["default_processor"],
            ),
            "models_count": count,
            "confirm_field": CONFIRM_FIELD,
            "pad_field": PAD_FIELD,
            "pad": pad,
            "change_url": self._change_url(),
        }
        return TemplateResponse(
            request,
            "admin/settings_app/analyticssettings/confirm_processor_change.html",
            context,
        )

    def save_model(
        self, request: HttpRequest, obj: AnalyticsSettings, form: Any, change: bool
    ) -> None:
        result = analytics_settings_update(
            values={name: getattr(obj, name) for name in form.settings_changed},
            user=request.user,
            validate=False,  # the form ran the same checks in this request
        )
        if "default_processor" in form.settings_changed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d analytics model was cleared.",
                    "%(count)d analytics models were cleared.",
                    result.models_cleared,
                )
                % {"count": result.models_cleared},
                messages.INFO,
            )


@admin.register(SettingChange)
class SettingChangeAdmin(admin.ModelAdmin):
    """Read-only, like Moodle's config changes report."""

    list_display = [
        "timecreated",
        "user",
        "section",
        "setting_label",
        "old_value",
        "new_value",
    ]
    list_filter = ["section", "setting", "timecreated"]
    search_fields = ["setting", "old_value", "new_value", "user__username"]
    date_hierarchy = "timecreated"
    list_select_related = ["user"]

    @admin.display(description=gettext_lazy("setting"), ordering="setting")
    def setting_label(self, obj: SettingChange) -> str:
        return obj.setting_label()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
