"""Forms of the insights pages: one action, several predictions, email preference."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PredictionActionForm(forms.Form):
    """One action on one prediction; whether the target offers it is the service's job."""

    action = forms.CharField(max_length=255)
    next = forms.CharField(max_length=2000, required=False)


class BulkActionForm(forms.Form):
    """One action on the predictions ticked in an insight's list."""

    action = forms.CharField(max_length=255)
    predictions = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": _("Select at least one prediction."),
            "invalid_choice": _(
                "Some selected predictions are not part of this insight: "
                "nothing was recorded."
            ),
        },
    )

    def __init__(self, *args, prediction_ids: set[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Ids of the insight's predictions: an id from another course is refused.
        self.fields["predictions"].choices = [(pk, pk) for pk in prediction_ids]


class EmailPreferenceForm(forms.Form):
    email_notifications = forms.BooleanField(
        label=_("Send me insight notifications by email"),
        required=False,
        help_text=_("Notifications always appear in the site as well."),
    )
    language = forms.ChoiceField(
        label=_("Language of my notifications"),
        choices=lambda: [(code, _(name)) for code, name in settings.LANGUAGES],
        help_text=_("Notifications and their emails are written in this language."),
    )


class StudentMessageForm(forms.Form):
    """What a teacher writes to the students of the ticked predictions."""

    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
    )
