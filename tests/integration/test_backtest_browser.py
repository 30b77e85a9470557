"""The models page's "How it would have done" in headless Chromium: ask for a
backtest from the model's actions menu, and read its figures and SVG charts."""

from __future__ import annotations

import re

import pytest

from settings_app.models import AnalyticsSettings
from settings_app.selectors import analytics_settings_cache_bump
from tests.models_app.running_site import dropout_model, finished_course

pytestmark = pytest.mark.integration


@pytest.fixture
def site(transactional_db):
    """Two finished courses to learn from and one to replay, whose students who
    leave do so in the first quarter (the future is known)."""
    train = [finished_course(), finished_course()]
    test = finished_course(students=10)
    row = AnalyticsSettings.load()
    row.only_cli = False
    row.save()
    analytics_settings_cache_bump()
    return dropout_model(), train, test


@pytest.fixture
def eager_tasks():
    """The backtest task runs inside the live server's request (no worker here)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_admin_backtests_a_model_and_sees_its_charts(
    site, eager_tasks, admin_page, live_url
):
    model, train, test = site
    page = admin_page
    page.goto(live_url("models_app:list"))
    row = page.locator(f"#model-{model.pk}")
    row.locator("details.menu summary").click()
    row.get_by_role("link", name="How it would have done").click()
    assert page.locator("h1").inner_text().startswith("How it would have done")

    page.fill("#id_train", ",".join(c.shortname for c in train))
    page.fill("#id_test", test.shortname)
    page.fill("#id_at", "25,50,75")
    page.click("#backtest", no_wait_after=True)
    page.wait_for_url(re.compile(rf".*/models/{model.pk}/backtest/\?run=\d+$"))

    section = page.locator("#backtest-run")
    assert section.get_attribute("data-status") == "finished"
    points = page.locator("tr.backtest-point")
    assert points.count() == 3
    assert points.nth(1).locator("td.roc-auc").inner_text() == "1.000"  # 3 decimals
    assert points.nth(0).locator("td.point").inner_text() == "25% of the course"
    figures = page.locator("#backtest-figures")
    assert figures.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    for chart in ("figure.backtest-roc svg", "figure.backtest-calibration svg"):
        assert page.locator(chart).count() == 3
    # The charts are drawn: a ROC curve with points, and one bar per point.
    curve = page.locator("figure.backtest-roc polyline.risk").first
    assert len(curve.get_attribute("points").split()) >= 3
    assert page.locator("#backtest-flags rect.band-high").count() == 3
    box = page.locator("#backtest-flags svg").bounding_box()
    assert box is not None and box["width"] > 200
