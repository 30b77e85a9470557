"""Keys: the tool's own RSA pair (published as a JWKS) and the platforms' keys.

The tool's private key is generated once, stored in `ToolKey` and never shown; the
public halves of active keys form the keyset at /lti/jwks/. A platform's keys come
from its keyset URL (fetched at each launch, so a rotated platform key works at
once) or from a public key pasted in its registration.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import TYPE_CHECKING

from django.db import transaction

from lti.models import Platform, ToolKey

# joserfc (with cryptography) and requests are imported where they are used: the
# admin imports this module, so every `manage.py` command would load them otherwise
# (tests/test_startup.py).
if TYPE_CHECKING:
    from joserfc.jwk import KeySet

logger = logging.getLogger(__name__)

KEYSET_TIMEOUT_SECONDS = 5
KEYSET_MAX_BYTES = 256 * 1024


class KeysetUnavailable(Exception):
    """The platform's keys could not be had; the message says why, for the log."""


@transaction.atomic
def tool_key_create() -> ToolKey:
    """A new RSA 2048 key pair for the tool, published from now on."""
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, private=True)
    kid = secrets.token_urlsafe(16)
    public = key.as_dict(private=False)
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return ToolKey.objects.create(
        kid=kid, private_pem=key.as_pem(private=True).decode(), public_jwk=public
    )


def tool_key_current() -> ToolKey:
    """The newest published key, created on first use (one key for the tool)."""
    key = ToolKey.objects.filter(active=True).first()
    return key if key is not None else tool_key_create()


@transaction.atomic
def tool_key_rotate(*, keep_old: bool = True) -> ToolKey:
    """Create a new key; older keys stay published unless `keep_old` is False.

    Keeping the old key published for a while lets platforms that cached the keyset
    still check what was signed with it.
    """
    new = tool_key_create()
    if not keep_old:
        ToolKey.objects.exclude(pk=new.pk).update(active=False)
    return new


def tool_jwks() -> dict:
    """The tool's public keyset: every published key, the current one first."""
    tool_key_current()
    return {"keys": [key.public_jwk for key in ToolKey.objects.filter(active=True)]}


def _keyset_from_text(text: str) -> KeySet:
    from joserfc.jwk import KeySet, RSAKey

    text = text.strip()
    if text.startswith("{"):
        data = json.loads(text)
        if "keys" not in data:
            data = {"keys": [data]}
        return KeySet.import_key_set(data)
    return KeySet([RSAKey.import_key(text)])


def platform_keyset(platform: Platform) -> KeySet:
    """The platform's public keys, from the pasted key or its keyset URL.

    Raises KeysetUnavailable when the URL cannot be reached, answers with an error,
    or does not hold a JWK set; and when the pasted key does not parse.
    """
    import requests
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    if platform.public_key.strip() and not platform.keyset_url:
        try:
            return _keyset_from_text(platform.public_key)
        except (ValueError, JoseError) as exc:
            raise KeysetUnavailable(f"pasted public key does not parse: {exc}") from exc
    try:
        response = requests.get(
            platform.keyset_url,
            timeout=KEYSET_TIMEOUT_SECONDS,
            headers={"Accept": "application/json"},
        )
        response.raise_for_status()
        if len(response.content) > KEYSET_MAX_BYTES:
            raise KeysetUnavailable(f"{platform.keyset_url}: keyset too large")
        return KeySet.import_key_set(response.json())
    except requests.RequestException as exc:
        raise KeysetUnavailable(f"{platform.keyset_url}: {exc}") from exc
    except (ValueError, KeyError, TypeError, JoseError) as exc:
        raise KeysetUnavailable(
            f"{platform.keyset_url}: not a JWK set ({exc})"
        ) from exc
