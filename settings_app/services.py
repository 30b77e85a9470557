"""Change the site-wide settings: validate, save, record who changed what.

Every write goes through here so the audit trail (SettingChange, Moodle's config
changes report) is complete and a new default processor always clears the models
that used the old one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from settings_app import hooks, selectors
from settings_app.models import AnalyticsSettings, SettingChange, SiteInformation
from settings_app.validators import validate_writable_directory

SECTION_ANALYTICS = SettingChange.Section.ANALYTICS
SECTION_SITE = SettingChange.Section.SITE

#: Recorded as changed, never with their value.
SECRET_FIELDS = frozenset({"mlbackend_password"})
REDACTED_VALUE = "(changed)"

#: Fields that the `mlbackend` processor's readiness depends on.
MLBACKEND_FIELDS = frozenset(
    {
        "mlbackend_url",
        "mlbackend_username",
        "mlbackend_password",
        "mlbackend_verify_tls",
    }
)


@dataclass
class SettingsUpdate:
    """What a save did: the audit rows written and the models cleared."""

    changes: list[SettingChange] = field(default_factory=list)
    models_cleared: int = 0


def analytics_settings_validate(
    *, candidate: AnalyticsSettings, changed: set[str] | frozenset[str]
) -> None:
    """Raise ValidationError (a dict by field) unless `candidate` can be saved.

    Beyond the model's own checks: the ML backend URL must hold no credentials and
    the username no colon; the models output directory must be writable; the
    evaluation intervals must leave something to evaluate; and when the default
    processor (or, for `mlbackend`, its server settings) changed, the processor must
    say it is ready, with the values not yet saved.
    """
    errors: dict[str, list[Any]] = {}
    try:
        candidate.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)

    if _url_has_credentials(candidate.mlbackend_url):
        errors.setdefault("mlbackend_url", []).append(
            _(
                "Put the username and password in their own fields, not in the URL: "
                "the URL is shown in messages and in the audit trail."
            )
        )
    if ":" in candidate.mlbackend_username:
        errors.setdefault("mlbackend_username", []).append(
            _(
                "The username cannot contain a colon: HTTP basic auth ends the "
                "username at the first colon (the password may contain colons)."
            )
        )

    choices = dict(hooks.processor_choices())
    if "default_processor" in changed and candidate.default_processor not in choices:
        errors.setdefault("default_processor", []).append(
            _("%(key)s is not a registered predictions processor.")
            % {"key": candidate.default_processor}
        )

    if "evaluation_intervals" in changed:
        problem = _evaluation_intervals_problem(candidate.evaluation_intervals)
        if problem:
            errors.setdefault("evaluation_intervals", []).append(problem)

    if "models_output_dir" in changed:
        output_dir = (
            Path(candidate.models_output_dir)
            if candidate.models_output_dir
            else selectors.default_models_output_dir()
        )
        try:
            validate_writable_directory(output_dir)
        except ValidationError as exc:
            errors.setdefault("models_output_dir", []).extend(exc.messages)

    readiness_matters = "default_processor" in changed or (
        candidate.default_processor == "mlbackend" and changed & MLBACKEND_FIELDS
    )
    if readiness_matters and "default_processor" not in errors:
        with selectors.analytics_settings_candidate(candidate):
            reason = hooks.processor_not_ready(key=candidate.default_processor)
        if reason:
            errors.setdefault("default_processor", []).append(
                _("The selected predictions processor is not ready: %(reason)s")
                % {"reason": reason}
            )
    if errors:
        raise ValidationError(errors)


def _url_has_credentials(url: str) -> bool:
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return False  # the URL field reports what is wrong with it


def _evaluation_intervals_problem(keys: list[str]) -> str | None:
    valid = [key for key, _label in hooks.evaluation_interval_choices()]
    unknown = [key for key in keys if key not in valid]
    if unknown:
        return _("These analysis intervals cannot be evaluated: %(keys)s.") % {
            "keys": ", ".join(unknown)
        }
    if not valid:
        return _(
            "No registered analysis interval can be evaluated, so there is "
            "nothing to fall back to."
        )
    return None


def analytics_settings_update(
    *, values: Mapping[str, Any], user: Any = None, validate: bool = True
) -> SettingsUpdate:
    """Save new analytics settings, record each change, clear models if needed.

    All or nothing: when validation fails, or clearing the models fails, nothing is
    saved and the previous settings stay in force. `validate=False` is for callers
    that validated the same values in this request (the admin form).
    """
    with transaction.atomic():
        current = _locked(AnalyticsSettings)
        candidate = _locked(AnalyticsSettings)
        for name, value in values.items():
            setattr(candidate, name, value)
        changed = _changed_fields(current, candidate, values)
        if validate:
            analytics_settings_validate(candidate=candidate, changed=changed)
        else:
            candidate.full_clean()
        result = SettingsUpdate()
        if not changed:
            return result
        candidate.save()
        transaction.on_commit(selectors.analytics_settings_cache_bump)
        result.changes = _record(SECTION_ANALYTICS, current, candidate, changed, user)
        if "default_processor" in changed:
            responses: list[tuple[Any, Any]] = hooks.default_processor_changed.send(
                sender=AnalyticsSettings,
                old=current.default_processor,
                new=candidate.default_processor,
                user=user,
            )
            result.models_cleared = sum(
                count for _receiver, count in responses if isinstance(count, int)
            )
    return result


def site_information_update(
    *, values: Mapping[str, Any], user: Any = None
) -> SettingsUpdate:
    """Save new site information and record each change."""
    with transaction.atomic():
        current = _locked(SiteInformation)
        candidate = _locked(SiteInformation)
        for name, value in values.items():
            setattr(candidate, name, value)
        candidate.full_clean()
        changed = _changed_fields(current, candidate, values)
        result = SettingsUpdate()
        if changed:
            candidate.save()
            result.changes = _record(SECTION_SITE, current, candidate, changed, user)
    return result


def _locked(model: type[AnalyticsSettings] | type[SiteInformation]) -> Any:
    model.load()  # creates the row with its defaults on first use
    return model.objects.select_for_update().get(pk=model.singleton_id)


#: List settings whose order means nothing: a reordering is not a change.
ORDERLESS_FIELDS = frozenset({"evaluation_intervals"})


def _changed_fields(
    current: Any, candidate: Any, values: Mapping[str, Any]
) -> set[str]:
    def same(name: str) -> bool:
        old, new = getattr(current, name), getattr(candidate, name)
        if name in ORDERLESS_FIELDS and isinstance(old, list) and isinstance(new, list):
            return sorted(map(str, old)) == sorted(map(str, new))
        return old == new

    return {name for name in values if not same(name)}


def _record(
    section: str, current: Any, candidate: Any, changed: set[str], user: Any
) -> list[SettingChange]:
    user = user if getattr(user, "pk", None) else None
    rows = []
    for name in sorted(changed):
        secret = name in SECRET_FIELDS
        rows.append(
            SettingChange(
                user=user,
                section=section,
                setting=name,
                old_value="" if secret else _as_text(getattr(current, name)),
                new_value=REDACTED_VALUE
                if secret
                else _as_text(getattr(candidate, name)),
            )
        )
    return SettingChange.objects.bulk_create(rows)


def _as_text(value: Any) -> str:
    """Strings as they are; lists, numbers and booleans as JSON."""
    return value if isinstance(value, str) else json.dumps(value)
