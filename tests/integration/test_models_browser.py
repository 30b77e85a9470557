"""The models page in headless Chromium: restore a default model, enable the dropout
model, evaluate it from the page and read the report with its graphs."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps

from models_app.models import AnalyticsModel
from settings_app.models import AnalyticsSettings
from settings_app.selectors import analytics_settings_cache_bump

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.fixture
def demo_site(transactional_db):
    """The demo preset of the site generator, seen from a fixed "now"."""
    from lms.generator import site_generate
    from lms.generator.config import site_config_build

    migration = importlib.import_module("models_app.migrations.0003_default_models")
    migration.create_default_models(apps, None)
    site_generate(config=site_config_build(preset="demo", seed=3, now=NOW))
    row = AnalyticsSettings.load()
    row.only_cli = False
    row.save()
    analytics_settings_cache_bump()


@pytest.fixture
def eager_tasks():
    """Background tasks run inside the live server's request (no worker here; the
    worker path has its own integration tests)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_admin_restores_enables_evaluates_and_sees_graphs(
    demo_site, eager_tasks, admin_page, live_url
):
    page = admin_page
    AnalyticsModel.objects.filter(target="no_teaching").delete()

    page.goto(live_url("models_app:list"))
    assert page.locator("h1").inner_text() == "Analytics models"
    page.click("#restore-defaults")
    page.check("input[name=models][value=no_teaching]")
    page.click("#restore")
    page.wait_for_url(re.compile(r".*/analytics/models/$"))
    assert "Re-created 1 default model." in page.locator(".messages").inner_text()
    assert AnalyticsModel.objects.filter(target="no_teaching").count() == 1

    dropout = AnalyticsModel.objects.get(target="course_dropout")
    page.goto(live_url("models_app:edit", dropout.pk))
    page.select_option("#id_interval", "quarters")
    page.check("#id_enabled")
    page.click("#save")
    if page.locator("#confirm").count():  # a new interval clears the model
        page.click("#confirm")
    page.wait_for_url(re.compile(r".*/analytics/models/$"))
    row = page.locator(f"#model-{dropout.pk}")
    assert row.locator("td.enabled").inner_text() == "Yes"

    row.locator("details.menu summary").click()  # one actions menu per model
    row.get_by_role("link", name="Evaluate").click()
    page.select_option("#id_mode", "configuration")
    page.select_option("#id_interval", "quarters")
    # The evaluation runs inside this request (eager tasks): give it time.
    page.click("#evaluate", no_wait_after=True)
    page.wait_for_url(
        re.compile(rf".*/analytics/models/{dropout.pk}/log/\?queued=\d+$"),
        timeout=180_000,
    )
    page.locator("tr.log-row a").first.click()

    result = page.locator(".evaluation-result[data-interval=quarters]")
    assert "Results using" in result.locator("h2").inner_text()
    assert re.search(r"Score \(weighted F1\): \d\.\d{4}", result.inner_text())
    graphs = result.locator("img.graph")
    assert graphs.count() >= 3
    # Every graph is a real PNG the browser decoded (waiting for the last to load).
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.graph')].every(img => img.complete)"
    )
    widths = graphs.evaluate_all("imgs => imgs.map(img => img.naturalWidth)")
    assert all(width > 100 for width in widths), widths
