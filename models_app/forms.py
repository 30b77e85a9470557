"""Forms of the models pages. Choices come from the plug-in registries, so a new
plug-in needs no migration and appears here at once."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.plugins.processors.builtin import DEFAULT_ESTIMATOR, estimator_choices
from models_app.services import transfer
from models_app.services.models import configuration_errors
from settings_app import selectors as settings_selectors


def _processor_choices():
    default = settings_selectors.default_processor()
    labels = dict(registry.processor_choices())
    return [
        ("", _("Site default (%(name)s)") % {"name": labels.get(default, default)}),
        *registry.processor_choices(),
    ]


def _estimator_choices():
    labels = dict(estimator_choices())
    return [
        ("", _("Default (%(name)s)") % {"name": labels[DEFAULT_ESTIMATOR]}),
        *estimator_choices(),
    ]


#: The longest model name the form takes.
NAME_MAX_LENGTH = 255


class AnalyticsModelForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        # The column holds Moodle's 1333 characters (imported models keep theirs);
        # a name typed here is shown in headings and menus, so it stays short.
        max_length=NAME_MAX_LENGTH,
        help_text=_("Empty means the target's name."),
    )
    target = forms.ChoiceField(
        label=_("Target"), help_text=_("What the model predicts.")
    )
    indicators = forms.MultipleChoiceField(
        label=_("Indicators"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the model learns from."),
    )
    interval = forms.ChoiceField(
        label=_("Analysis interval"),
        required=False,
        help_text=_(
            "When predictions are made. Only intervals the target accepts are valid."
        ),
    )
    processor = forms.ChoiceField(
        label=_("Predictions processor"),
        required=False,
        help_text=_("The machine learning backend for this model."),
    )
    estimator = forms.ChoiceField(
        label=_("Estimator"),
        required=False,
        help_text=_(
            "What the built-in processor learns with. An ML backend server uses "
            "its own."
        ),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False)

    def __init__(self, *args, fixed_target: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = registry.target_choices()
        self.fields["indicators"].choices = registry.indicator_choices()
        self.fields["interval"].choices = [
            ("", _("None")),
            *registry.interval_choices(),
        ]
        self.fields["processor"].choices = _processor_choices()
        self.fields["estimator"].choices = _estimator_choices()
        if fixed_target is not None:
            # Moodle lets the target be chosen only when the model is created.
            self.fields["target"].disabled = True
            self.fields["target"].initial = fixed_target


class EvaluateForm(forms.Form):
    MODE_CHOICES = [
        ("configuration", _("Evaluate the configuration")),
        ("trainedmodel", _("Evaluate the trained model")),
    ]

    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES)
    interval = forms.ChoiceField(
        label=_("Analysis interval"),
        required=False,
        help_text=_(
            "Every interval chosen for evaluation in the analytics settings, or "
            "only the one picked here."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interval"].choices = [
            ("", _("Every interval chosen for evaluation")),
            *registry.interval_choices(),
        ]


def _points(text: str) -> list[float]:
    try:
        points = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise forms.ValidationError(
            _("Write percentages of the course separated by commas, such as 25,50,75.")
        ) from None
    if not all(0 < point < 100 for point in points):
        raise forms.ValidationError(
            _("Points are percentages of the course, above 0 and below 100.")
        )
    return points


class BacktestForm(forms.Form):
    """How it would have done: learn from some finished courses, replay others."""

    train = forms.CharField(
        label=_("Learn from these courses"),
        max_length=2000,
        help_text=_(
            "Finished courses: ids or short names separated by commas, or "
            '"finished before YYYY-MM-DD".'
        ),
    )
    test = forms.CharField(
        label=_("Replay these courses"),
        max_length=2000,
        help_text=_(
            "Other finished courses, which the model predicts as if they were "
            "running, at each point."
        ),
    )
    at = forms.CharField(
        label=_("Points (percent of the course)"),
        required=False,
        max_length=200,
        help_text=_(
            "Such as 25,50,75. Empty: the end of each of the model's analysis ranges."
        ),
    )

    def clean_at(self) -> list[float]:
        return _points(self.cleaned_data.get("at") or "")


class ImportModelForm(forms.Form):
    file = forms.FileField(
        label=_("Model file"),
        help_text=_("A zip exported from Foresight or from Moodle."),
    )

    def clean_file(self):
        """Refuse an oversized upload before the view reads it into memory."""
        upload = self.cleaned_data["file"]
        limit = transfer.MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)d MB); the limit is %(limit)d MB.")
                % {"size": upload.size // 2**20, "limit": limit // 2**20}
            )
        return upload


class RestoreDefaultsForm(forms.Form):
    models = forms.MultipleChoiceField(
        label=_("Default models to restore"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["models"].choices = choices


class AnalyticsModelAdminForm(forms.ModelForm):
    """The admin's model editor: plug-ins chosen from the registries, and the whole
    configuration checked as the models page checks it (the admin saves through
    the same services, see models_app.admin)."""

    indicators = forms.MultipleChoiceField(
        label=_("Indicators"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the model learns from."),
    )

    class Meta:
        model = AnalyticsModel
        fields = [
            "name",
            "target",
            "indicators",
            "interval",
            "processor",
            "estimator",
            "enabled",
            "contexts",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = registry.indicator_choices()

    def clean_contexts(self) -> list[int]:
        contexts = self.cleaned_data.get("contexts") or []
        if not isinstance(contexts, list) or not all(
            isinstance(pk, int) and not isinstance(pk, bool) and pk > 0
            for pk in contexts
        ):
            raise forms.ValidationError(
                _("Write a list of context ids, such as [3, 12], or [] for all.")
            )
        return contexts

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        errors = configuration_errors(
            target=cleaned.get("target", self.instance.target),
            indicators=list(cleaned["indicators"]),
            interval=cleaned.get("interval") or "",
            processor=cleaned.get("processor") or "",
        )
        if cleaned.get("enabled") and not cleaned.get("interval"):
            errors.append(_("An enabled model needs an analysis interval."))
        for error in errors:
            self.add_error(None, error)
        return cleaned
