"""Admin forms of the two settings pages.

The multi-choice settings are JSON lists in the database and checkboxes on the page;
labels and help texts come from the model fields so they are written once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from settings_app import hooks
from settings_app.models import AnalyticsSettings, SiteInformation
from settings_app.services import analytics_settings_validate


def _multiple_choice(model: type[models.Model], name: str, choices: Any) -> Any:
    model_field = model._meta.get_field(name)
    return forms.MultipleChoiceField(
        label=capfirst(model_field.verbose_name),
        help_text=model_field.help_text,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def _formfield(model_field: models.Field, **kwargs: Any) -> Any:
    """Model field -> form field; URLs without a scheme are taken as https."""
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class SiteInformationForm(forms.ModelForm):
    mode_of_instruction = _multiple_choice(
        SiteInformation,
        "mode_of_instruction",
        SiteInformation.ModeOfInstruction.choices,
    )
    institution_type = _multiple_choice(
        SiteInformation, "institution_type", SiteInformation.InstitutionType.choices
    )
    institution_level = _multiple_choice(
        SiteInformation, "institution_level", SiteInformation.InstitutionLevel.choices
    )

    class Meta:
        model = SiteInformation
        fields = [
            "mode_of_instruction",
            "percent_online",
            "institution_type",
            "institution_level",
        ]


#: The settings an admin edits on the page (model fields only).
ANALYTICS_SETTINGS_FIELDS = [
    "enabled",
    "default_processor",
    "logstore",
    "evaluation_intervals",
    "models_output_dir",
    "only_cli",
    "model_time_limit",
    "calc_lifetime",
    "mlbackend_url",
    "mlbackend_username",
    "mlbackend_password",
    "mlbackend_verify_tls",
]


class AnalyticsSettingsForm(forms.ModelForm):
    """Checks what the model cannot: writable directory, ready processor.

    After validation, `settings_changed` holds the names of the settings whose value
    differs from the saved row.
    """

    default_processor = forms.ChoiceField(choices=hooks.processor_choices)
    evaluation_intervals = _multiple_choice(
        AnalyticsSettings, "evaluation_intervals", hooks.evaluation_interval_choices
    )
    mlbackend_password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
        max_length=255,
    )
    mlbackend_password_clear = forms.BooleanField(
        label=_("Remove the stored password"),
        required=False,
        help_text=_(
            "Use the FORESIGHT_MLBACKEND_PASSWORD environment variable instead."
        ),
    )

    class Meta:
        model = AnalyticsSettings
        formfield_callback = _formfield
        fields = ANALYTICS_SETTINGS_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings_changed: set[str] = set()
        for name in ("default_processor", "mlbackend_password"):
            model_field = AnalyticsSettings._meta.get_field(name)
            self.fields[name].label = capfirst(model_field.verbose_name)
            self.fields[name].help_text = model_field.help_text
        password = self.fields["mlbackend_password"]
        if self.instance.mlbackend_password:
            password.help_text = _(
                "A password is stored. Leave empty to keep it; it is never shown."
            )
        else:
            password.help_text = _(
                "No password is stored: the FORESIGHT_MLBACKEND_PASSWORD environment "
                "variable is used. Type one to store it; it is never shown."
            )

    def clean_mlbackend_password(self) -> str:
        typed = self.cleaned_data.get("mlbackend_password", "")
        clear = self.fields["mlbackend_password_clear"].widget.value_from_datadict(
            self.data, self.files, self.add_prefix("mlbackend_password_clear")
        )
        if clear:
            return ""
        return typed or self.instance.mlbackend_password

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return  # the model refused already; no need to ask a server
        saved = AnalyticsSettings.load()
        self.settings_changed = {
            name
            for name in ANALYTICS_SETTINGS_FIELDS
            if name in self.fields
            and getattr(saved, name) != getattr(self.instance, name)
        }
        try:
            analytics_settings_validate(
                candidate=self.instance, changed=self.settings_changed
            )
        except ValidationError as exc:
            self._update_errors(exc)
