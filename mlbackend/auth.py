"""HTTP basic auth for the ML backend server, as Moodle's server checks it.

Users come from FORESIGHT_MLBACKEND_USERS or MOODLE_MLBACKEND_PYTHON_USERS:
"user:password,user2:password2" (split on the first colon), where a password may
also be stored hashed as "<hashlib algorithm>:<salt>:<hex digest of salt + password>"
(Moodle's gen-passwd format).

Which is which: the part after the user is a hash only when it is exactly three
colon-separated fields, the first the name of an algorithm this Python's hashlib
computes with a fixed digest size (sha256, sha512, md5, ...), the second a non-empty
salt and the third a hex digest of that algorithm's length. Anything else is a plain
password, colons included: "v:pa:ss:word" is the password "v:pa:ss:word" (Moodle's
server would refuse to start). The one plain password that cannot be used is one of
that exact hashed shape; store such a password hashed.

Unlike Moodle's server, passwords are compared in constant time, an unknown user
costs the same as a wrong password, and no log line shows any part of a password.
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


def _is_hashed(secret: str) -> bool:
    """Whether `secret` has the exact shape of Moodle's gen-passwd hashes."""
    parts = secret.split(":")
    if len(parts) != 3 or not parts[1]:
        return False
    algorithm, _, digest = parts
    if algorithm not in hashlib.algorithms_available:
        return False
    try:
        size = hashlib.new(algorithm).digest_size
    except ValueError:
        return False
    if not size or len(digest) != 2 * size:  # shake_* have no fixed digest size
        return False
    return all(char in "0123456789abcdefABCDEF" for char in digest)


def users_parse(text: str) -> dict[str, str]:
    """Map user -> stored password ("plain:<password>" or "<algo>:<salt>:<digest>")."""
    users: dict[str, str] = {}
    for entry in text.split(","):
        entry = entry.strip()
        if not entry or ":" not in entry:
            continue
        user, secret = entry.split(":", 1)
        users[user] = secret if _is_hashed(secret) else "plain:" + secret
    return users


def _matches(stored: str, password: str) -> bool:
    if stored.startswith("plain:"):
        expected = stored[len("plain:") :].encode()
        return hmac.compare_digest(expected, password.encode())
    algorithm, salt, digest = stored.split(":", 2)
    try:
        actual = hashlib.new(algorithm, (salt + password).encode()).hexdigest()
    except ValueError:  # e.g. md5 refused by a FIPS build; nothing secret logged
        logger.error("An ML backend user's password hash cannot be computed here.")
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
