"""Messages of a model's log that each reader sees in their own language.

Runs happen in commands and Celery workers, in English, so a message translated
when the run writes it stays English on a Spanish page. A `LogMessage` keeps its
untranslated msgid and parameters; the log row stores them beside the English
text (`message`, which API clients and old rows have) and pages translate them
when shown (`log_entry_text`), falling back to `message` when anything fails.

Call sites mark the msgid with gettext_noop so makemessages still extracts it::

    log_message(gettext_noop("No new samples to train on for %(analysable)s."),
                analysable=name)

A parameter is a plain JSON value, another LogMessage (stored nested) or
`plugin_label(kind, key)`: a plug-in's key whose label is translated when shown.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext

#: The kinds of plug-in whose labels a message may name (registry.<kind>_class).
LABEL_KINDS = ("interval", "target", "indicator", "processor")

#: Parameters stored as English text that the catalogue may know, translated when
#: shown: a plug-in's reason (a target's "The course has already finished.", kept
#: as the run wrote it) and the run's mode. A reason with its own parameters has no
#: msgid to match and stays as written.
TEXT_PARAMS = frozenset({"reason", "mode"})
MODE_WORDS = (gettext_noop("training"), gettext_noop("prediction"))


class LogMessage(str):
    """A message in the active language (so code that joins, prints or compares
    messages keeps working) that remembers its msgid and parameters."""

    msgid: str
    plural: str
    number: str
    params: dict[str, Any]

    def __new__(
        cls, msgid: str, /, *, plural: str = "", number: str = "", **params: Any
    ) -> LogMessage:
        stored = {key: _param_json(value) for key, value in params.items()}
        entry = {"msgid": msgid, "params": stored, "plural": plural, "number": number}
        obj = super().__new__(cls, _render(entry, fallback=msgid))
        obj.msgid, obj.plural, obj.number, obj.params = msgid, plural, number, stored
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle and copy rebuild from the msgid, not from the translated text.
        return (_rebuilt, (self.as_json(),))

    def as_json(self) -> dict[str, Any]:
        """The untranslated form a log row stores (msgid, params, plural data)."""
        data: dict[str, Any] = {"msgid": self.msgid, "params": self.params}
        if self.plural:
            data.update(plural=self.plural, number=self.number)
        return data

    def english(self) -> str:
        """The text in English, for the log's `message` whatever language ran."""
        with translation.override("en"):
            return _render(self.as_json(), fallback=str(self))


def log_message(msgid: str, /, **params: Any) -> LogMessage:
    """A log message from a msgid marked with gettext_noop and its parameters."""
    return LogMessage(msgid, **params)


def plugin_label(kind: str, key: str) -> dict[str, str]:
    """A parameter naming a plug-in (an interval, a target) by key: the reader
    sees its label in their language."""
    return {"label": kind, "key": key}


def log_entry(*, level: str, message: Any) -> dict[str, Any]:
    """The row of a model log's `info` for `message` (a LogMessage or plain text,
    such as the ML backend's lines)."""
    if isinstance(message, LogMessage):
        return {"level": level, "message": message.english(), **message.as_json()}
    return {"level": level, "message": str(message)}


def log_entry_text(entry: Any) -> str:
    """An `info` row in the current language: its msgid translated with its
    parameters; its stored English `message` for old rows or when that fails."""
    if not isinstance(entry, dict):
        return str(entry)
    fallback = str(entry.get("message", ""))
    if not entry.get("msgid"):
        return fallback
    return _render(entry, fallback=fallback)


def _rebuilt(data: dict[str, Any]) -> LogMessage:
    # The stored parameters are already JSON (a nested message as its dict), which
    # LogMessage keeps as they are and renders: the copy reads as the original.
    return LogMessage(
        data["msgid"],
        plural=data.get("plural", ""),
        number=data.get("number", ""),
        **dict(data.get("params") or {}),
    )


def _param_json(value: Any) -> Any:
    if isinstance(value, LogMessage):
        return value.as_json()
    if isinstance(value, dict) or value is None or isinstance(value, int | float):
        return value
    return str(value)


def _render(entry: dict[str, Any], *, fallback: str) -> str:
    """Translate and fill in `entry`; `fallback` if its parameters do not fit."""
    try:
        params = {
            key: gettext(value)
            if key in TEXT_PARAMS and isinstance(value, str) and value
            else _param_text(value)
            for key, value in (entry.get("params") or {}).items()
        }
        msgid, plural = str(entry["msgid"]), entry.get("plural")
        if plural:
            text = ngettext(msgid, str(plural), int(params[entry["number"]]))
        else:
            text = gettext(msgid)
        return text % params if params else text
    except (KeyError, ValueError, TypeError):
        return fallback


def _param_text(value: Any) -> Any:
    """A stored parameter as shown: nested messages and labels translated."""
    if not isinstance(value, dict):
        return value
    if "msgid" in value:
        return _render(value, fallback=str(value.get("msgid")))
    if value.get("label") in LABEL_KINDS:
        return _label(value["label"], str(value.get("key", "")))
    return str(value)


def _label(kind: str, key: str) -> str:
    from models_app.plugins import registry  # the registry imports models

    try:
        return str(getattr(registry, f"{kind}_class")(key).label)
    except registry.UnknownPlugin:
        return key
