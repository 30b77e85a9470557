"""Shared fixtures. App-specific personas live in tests/<app>/conftest.py."""

from __future__ import annotations

import os

import pytest


def service_required() -> bool:
    """In CI a missing service is a failure, never a skip."""
    return (
        os.environ.get("FORESIGHT_REQUIRE_SERVICES") == "1"
        or os.environ.get("CI") == "true"
    )


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    """Each test writes run-time files (trained models, broker queue) under tmp_path."""
    settings.FORESIGHT_DATA_DIR = tmp_path / "data"
    settings.FORESIGHT_DATA_DIR.mkdir()
