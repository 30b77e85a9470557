"""HTTP basic auth for the ML backend server, as Moodle's server checks it.

Users come from FORESIGHT_MLBACKEND_USERS or MOODLE_MLBACKEND_PYTHON_USERS:
"user:password,user2:password2", where a password may also be stored hashed as
"<hashlib algorithm>:<salt>:<hex digest of salt + password>" (Moodle's gen-passwd
format). Unlike Moodle's server, passwords are compared in constant time and an
unknown user costs the same as a wrong password.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

NO_CREDENTIALS = "No user and/or password included in the request."
WRONG_CREDENTIALS = "Incorrect user and/or password provided by Moodle."
_DUMMY = "plain:" + "x" * 32


def users_parse(text: str) -> dict[str, str]:
    """Map user -> stored password ("plain:<password>" or "<algo>:<salt>:<digest>")."""
    users: dict[str, str] = {}
    for entry in text.split(","):
        entry = entry.strip()
        if not entry or ":" not in entry:
            continue
        user, secret = entry.split(":", 1)
        users[user] = secret if secret.count(":") == 2 else "plain:" + secret
    return users


def _matches(stored: str, password: str) -> bool:
    if stored.startswith("plain:"):
        expected = stored[len("plain:") :].encode()
        return hmac.compare_digest(expected, password.encode())
    algorithm, salt, digest = stored.split(":", 2)
    try:
        actual = hashlib.new(algorithm, (salt + password).encode()).hexdigest()
    except (ValueError, TypeError):
        logger.error("Unknown hash algorithm %r in the ML backend users.", algorithm)
        return False
    return hmac.compare_digest(actual.encode(), digest.lower().encode())


def credentials_check(authorization: str | None) -> str | None:
    """None when the Authorization header holds valid credentials, else the 401 body."""
    if not authorization or not authorization.startswith("Basic "):
        return NO_CREDENTIALS
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return NO_CREDENTIALS
    user, _, password = decoded.partition(":")
    if not user or not password:
        return NO_CREDENTIALS
    users = users_parse(getattr(settings, "FORESIGHT_MLBACKEND_USERS", "") or "")
    if not users:
        logger.error(
            "No ML backend users configured: set FORESIGHT_MLBACKEND_USERS or "
            "MOODLE_MLBACKEND_PYTHON_USERS."
        )
    stored = users.get(user)
    matched = _matches(stored or _DUMMY, password)
    if stored is None or not matched:
        return WRONG_CREDENTIALS
    return None
