"""A settings form that waits in the session while the admin confirms it.

Changing the default predictions processor asks for a confirmation first, so the
submitted values wait in the (server-side) session instead of hidden fields. A
password typed with the change must not wait there in clear: sessions are rows in
the database (or a cache) that backups, replicas and support staff can read.

So a password is split in two shares: the session keeps the password XORed with a
random one-time pad of fixed length, and the confirmation page carries the pad in a
hidden field. Each share alone is uniformly random (a one-time pad; the fixed
length hides even how long the password is), the pad is never used twice, and
neither share reaches a log. Confirming joins them; a confirmation without the
pad (or with another) is refused and the admin types the password again.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from django.http import QueryDict

SESSION_KEY = "settings_app.pending_analytics_settings"
#: Name of the confirmation page's hidden field that carries the pad.
PAD_FIELD = "_pending_pad"
#: Fields whose submitted value never waits in clear.
SECRET_FIELDS = ("mlbackend_password",)
_SEALED_KEY = "_sealed"
_LENGTH_BYTES = 2
#: The form allows 255 characters: at most 1,020 bytes of UTF-8.
_SHARE_BYTES = _LENGTH_BYTES + 1024


def pending_change_keep(*, session: Any, data: QueryDict) -> str:
    """Keep the submitted form `data` in `session`; the pad for the page ("" when
    no secret was typed)."""
    pending = {key: data.getlist(key) for key in data if key != "csrfmiddlewaretoken"}
    sealed: dict[str, str] = {}
    pads: dict[str, str] = {}
    for name in SECRET_FIELDS:
        value = (pending.pop(name, None) or [""])[-1]
        if value:
            sealed[name], pads[name] = _split(value)
    if sealed:
        pending[_SEALED_KEY] = [_encode_shares(sealed)]
    session[SESSION_KEY] = pending
    return _encode_shares(pads) if pads else ""


def pending_change_take(*, session: Any, pad: str) -> QueryDict | None:
    """The kept form data, removed from `session`; None when nothing waits or when
    a kept secret cannot be opened with `pad` (then it is dropped too)."""
    pending = session.pop(SESSION_KEY, None)
    if not isinstance(pending, dict):
        return None
    sealed = pending.pop(_SEALED_KEY, None)
    if sealed:
        try:
            secrets_kept = _decode_shares(sealed[0])
            pads = _decode_shares(pad)
            for name, share in secrets_kept.items():
                pending[name] = [_join(share, pads[name])]
        except (KeyError, ValueError, TypeError, IndexError):
            return None
    query = QueryDict(mutable=True)
    for key, values in pending.items():
        query.setlist(key, values)
    query._mutable = False
    return query


def _split(value: str) -> tuple[str, str]:
    data = value.encode()
    if len(data) > _SHARE_BYTES - _LENGTH_BYTES:
        raise ValueError("secret longer than the form allows")
    padded = len(data).to_bytes(_LENGTH_BYTES, "big") + data
    padded += bytes(_SHARE_BYTES - len(padded))
    pad = secrets.token_bytes(_SHARE_BYTES)
    sealed = bytes(a ^ b for a, b in zip(padded, pad, strict=True))
    return _b64(sealed), _b64(pad)


def _join(sealed: str, pad: str) -> str:
    """The secret from its two shares; ValueError when they do not belong together
    (a pad of another confirmation gives a bad length or bad UTF-8)."""
    padded = bytes(
        a ^ b for a, b in zip(_unb64(sealed), _unb64(pad), strict=True)
    )  # strict: shares of another length are not ours
    length = int.from_bytes(padded[:_LENGTH_BYTES], "big")
    if length > len(padded) - _LENGTH_BYTES or any(padded[_LENGTH_BYTES + length :]):
        raise ValueError("shares that do not belong together")
    return padded[_LENGTH_BYTES : _LENGTH_BYTES + length].decode()


def _encode_shares(shares: dict[str, str]) -> str:
    return ",".join(f"{name}:{share}" for name, share in shares.items())


def _decode_shares(text: str) -> dict[str, str]:
    shares = {}
    for item in text.split(","):
        name, colon, share = item.partition(":")
        if not colon:
            raise ValueError("not a share")
        shares[name] = share
    return shares


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not base64") from exc
