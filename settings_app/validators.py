"""Validators for settings values: lists of choices and writable directories."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class ChoiceListValidator:
    """A JSON list whose items are all among `allowed` (a multi-select's value)."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = list(allowed)

    def __call__(self, value: object) -> None:
        if not isinstance(value, list):
            raise ValidationError(_("Enter a list of values."), code="invalid_list")
        unknown = [item for item in value if item not in self.allowed]
        if unknown:
            raise ValidationError(
                _("Not a valid choice: %(values)s."),
                code="invalid_choices",
                params={"values": ", ".join(map(str, unknown))},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and self.allowed == other.allowed


def validate_writable_directory(path: Path) -> None:
    """Raise ValidationError unless `path` is an absolute directory we can write into.

    Creates the directory when it is missing and writes (then removes) a temporary
    file, because permissions, read-only mounts and full disks only show when tried.
    """
    if not path.is_absolute():
        raise ValidationError(
            _("Enter an absolute path, such as /srv/foresight/models."),
            code="not_absolute",
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(
            _("The directory %(path)s cannot be created: %(reason)s"),
            code="cannot_create",
            params={"path": path, "reason": exc.strerror or exc},
        ) from exc
    if not path.is_dir():
        raise ValidationError(
            _("%(path)s is not a directory."),
            code="not_a_directory",
            params={"path": path},
        )
    try:
        fd, name = tempfile.mkstemp(prefix=".foresight-write-test-", dir=path)
        try:
            os.write(fd, b"ok")
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as exc:
        raise ValidationError(
            _("The directory %(path)s is not writable: %(reason)s"),
            code="not_writable",
            params={"path": path, "reason": exc.strerror or exc},
        ) from exc
