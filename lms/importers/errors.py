"""The one error importers raise: which file, which line, what is wrong."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

# Enough lines to fix a file in one go without flooding a terminal.
MAX_LISTED_PROBLEMS = 20


class ImportFileError(Exception):
    """A file that cannot be imported; `problems` are (line, reason) pairs.

    `unit` says what the numbers count: lines of a text file, rows of a
    spreadsheet, records of a JSON list. Line None means the whole file.
    """

    def __init__(
        self,
        path: Path | str,
        problems: list[tuple[int | None, str]],
        *,
        unit: str = "line",
    ) -> None:
        self.path = str(path)
        self.problems = problems
        self.unit = unit
        super().__init__(self.message())

    def message(self) -> str:
        lines = []
        for line, reason in self.problems[:MAX_LISTED_PROBLEMS]:
            if line is None:
                lines.append(f"{self.path}: {reason}")
            else:
                lines.append(
                    _("%(path)s, %(unit)s %(line)d: %(reason)s")
                    % {
                        "path": self.path,
                        "unit": _unit_label(self.unit),
                        "line": line,
                        "reason": reason,
                    }
                )
        hidden = len(self.problems) - MAX_LISTED_PROBLEMS
        if hidden > 0:
            lines.append(
                _("%(path)s: %(count)d more problems not listed.")
                % {"path": self.path, "count": hidden}
            )
        return "\n".join(lines)


def _unit_label(unit: str) -> str:
    return {"line": _("line"), "row": _("row"), "record": _("record")}.get(unit, unit)


def file_error(
    path: Path | str, reason: str, *, line: int | None = None, unit: str = "line"
) -> ImportFileError:
    """One problem in one file (the common case)."""
    return ImportFileError(path, [(line, reason)], unit=unit)
