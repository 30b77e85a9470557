"""The models pages fit a 1300 px wide window in headless Chromium, in English and
Spanish, with every actions menu open and with a model name of one long word."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from models_app.models import AnalyticsModel

pytestmark = pytest.mark.integration

WIDTH = 1300
LONG_NAME = "Dropout" + "x" * 293  # one 300-character word, no space to break at


@pytest.fixture
def default_models(transactional_db):
    """Moodle's default models; the dropout model named with one very long word."""
    migration = importlib.import_module("models_app.migrations.0003_default_models")
    migration.create_default_models(apps, None)
    dropout = AnalyticsModel.objects.get(target="course_dropout")
    dropout.name = LONG_NAME
    dropout.save(update_fields=["name"])
    return dropout


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_models_table_fits_with_menus_open(
    default_models, new_page, admin_login, live_url, locale
):
    page = admin_login(
        new_page(locale=locale, viewport={"width": WIDTH, "height": 900})
    )
    page.goto(live_url("models_app:list"))
    table = page.locator("table.models")
    assert table.locator("tbody tr").count() >= 5
    fits = "t => t.scrollWidth <= t.parentElement.clientWidth"
    assert table.evaluate(fits), table.evaluate("t => t.scrollWidth")
    assert _page_width(page) <= WIDTH
    # The last columns are on screen, not scrolled away.
    last = page.locator("table.models thead th").last.bounding_box()
    assert last is not None and last["x"] + last["width"] <= WIDTH
    menus = page.locator("table.models details.menu")
    for index in range(menus.count()):
        menus.nth(index).locator("summary").click()
        assert menus.nth(index).locator(".menu-items").is_visible()
        assert table.evaluate(fits), (index, table.evaluate("t => t.scrollWidth"))
        assert _page_width(page) <= WIDTH, index
        menus.nth(index).locator("summary").click()


def test_model_pages_wrap_a_long_name(default_models, new_page, admin_login, live_url):
    page = admin_login(new_page(viewport={"width": WIDTH, "height": 900}))
    for name in ("models_app:log", "models_app:backtest", "models_app:evaluate"):
        page.goto(live_url(name, default_models.pk))
        assert LONG_NAME in page.locator("h1").inner_text()
        assert _page_width(page) <= WIDTH, name
