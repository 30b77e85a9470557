"""Fixtures of the project-level tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import _password_hash


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> Iterator[None]:
    """Each login hashes a password, and the real hasher is slow on purpose.

    The factories cache the hash of their password: cleared before and after, so
    no MD5 hash reaches a test that runs with the real hashers.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _password_hash.cache_clear()
    yield
    _password_hash.cache_clear()
