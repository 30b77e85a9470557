"""A password typed with a processor change never waits in clear in the session."""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.models import Session
from django.http import QueryDict

from settings_app.models import AnalyticsSettings
from settings_app.pending import (
    PAD_FIELD,
    SESSION_KEY,
    pending_change_keep,
    pending_change_take,
)
from tests.settings_app.test_admin import CHANGE_URL, _form_data

PASSWORD = "v:pa:ss:wörd-Secret"


def _sessions_text() -> str:
    rows = list(Session.objects.all())
    return " ".join(row.session_data + json.dumps(row.get_decoded()) for row in rows)


def _pad_of(page: str) -> str:
    marker = f'name="{PAD_FIELD}" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_a_typed_password_waits_as_shares_and_is_saved_on_confirmation(
    admin_client, settings_row
):
    confirmation = admin_client.post(
        CHANGE_URL,
        _form_data(default_processor="fake_other", mlbackend_password=PASSWORD),
    )
    page = confirmation.content.decode()

    assert confirmation.status_code == 200
    assert PASSWORD not in page
    assert SESSION_KEY in admin_client.session
    stored = _sessions_text()
    assert PASSWORD not in stored
    assert "pa:ss" not in stored
    assert AnalyticsSettings.load().mlbackend_password == ""  # not yet

    done = admin_client.post(
        CHANGE_URL, {"_confirm_processor_change": "1", PAD_FIELD: _pad_of(page)}
    )

    assert done.status_code == 302
    row = AnalyticsSettings.load()
    assert row.default_processor == "fake_other"
    assert row.mlbackend_password == PASSWORD
    assert SESSION_KEY not in admin_client.session


@pytest.mark.parametrize("pad", [None, "", "mlbackend_password:AAAA", "garbage"])
def test_a_confirmation_without_its_pad_saves_nothing_and_says_why(
    admin_client, settings_row, pad
):
    admin_client.post(
        CHANGE_URL,
        _form_data(default_processor="fake_other", mlbackend_password=PASSWORD),
    )
    data = {"_confirm_processor_change": "1"}
    if pad is not None:
        data[PAD_FIELD] = pad

    done = admin_client.post(CHANGE_URL, data, follow=True)

    assert done.status_code == 200
    assert "did not come back with the confirmation" in done.content.decode()
    row = AnalyticsSettings.load()
    assert row.default_processor == "fake_ready"
    assert row.mlbackend_password == ""
    assert SESSION_KEY not in admin_client.session


def test_a_pad_of_another_confirmation_does_not_open_the_password():
    first: dict = {}
    second: dict = {}
    data = QueryDict(mutable=True)
    data["mlbackend_password"] = PASSWORD
    pending_change_keep(session=first, data=data)
    other_pad = pending_change_keep(session=second, data=data)

    assert first[SESSION_KEY] != second[SESSION_KEY]  # a fresh pad each time
    assert pending_change_take(session=first, pad=other_pad) is None


@pytest.mark.parametrize("password", ["x", "ñ€" * 127 + "z", "a" * 255, " spaces "])
def test_shares_join_back_to_the_password(password):
    session: dict = {}
    data = QueryDict(mutable=True)
    data.setlist("mlbackend_password", [password])
    data.setlist("evaluation_intervals", ["quarters", "deciles"])
    pad = pending_change_keep(session=session, data=data)

    taken = pending_change_take(session=session, pad=pad)

    assert taken["mlbackend_password"] == password
    assert taken.getlist("evaluation_intervals") == ["quarters", "deciles"]
    assert session == {}


def test_nothing_typed_needs_no_pad():
    session: dict = {}
    data = QueryDict("default_processor=builtin&mlbackend_password=")
    assert pending_change_keep(session=session, data=data) == ""
    taken = pending_change_take(session=session, pad="")
    assert taken["default_processor"] == "builtin"
    assert "mlbackend_password" not in taken
