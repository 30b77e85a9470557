"""An admin changes the analytics settings in a real browser, in English and Spanish.

The real predictions processors are used: switching to `mlbackend` asks a real HTTP
server on 127.0.0.1 for its version, as the processor does with Moodle's server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from models_app.models import AnalyticsModel
from settings_app.models import AnalyticsSettings, SettingChange
from tests.fixtures.catalogues import catalogues_compile
from tests.fixtures.ml_server import ML_PASSWORD, ml_server_running

# The flush after each test ends in post_migrate, which re-installs what
# migrations create (roles, default models, schedules) for the tests after.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def ml_server() -> Iterator[str]:
    """A server answering /version like Moodle's ML backend 3.0.5."""
    with ml_server_running() as url:
        yield url


@pytest.fixture
def analytics_models(transactional_db) -> list[AnalyticsModel]:
    """Two trained models following the site default: one learned, one rule-based."""
    return [
        AnalyticsModel.objects.create(target="course_dropout", trained=True),
        AnalyticsModel.objects.create(target="no_teaching", trained=True),
    ]


def test_admin_changes_processor_and_intervals_then_sees_an_output_dir_error(
    admin_page, live_url, analytics_models, admin_user, ml_server, tmp_path
):
    page = admin_page
    change_url = live_url("admin:settings_app_analyticssettings_change", 1)

    page.goto(live_url("admin:index"))
    page.click("text=Analytics settings")
    page.wait_for_url(change_url)
    assert page.locator("h1").inner_text() == "Change analytics settings"
    assert page.locator("#id_default_processor").input_value() == "builtin"
    assert page.is_checked("input[name=evaluation_intervals][value=quarters]")

    page.select_option("#id_default_processor", "mlbackend")
    page.uncheck("input[name=evaluation_intervals][value=quarters]")
    page.check("input[name=evaluation_intervals][value=deciles]")
    page.fill("#id_mlbackend_url", ml_server)
    page.fill("#id_mlbackend_password", ML_PASSWORD)
    page.click("input[name=_save]")

    # Our two, plus any default models the migrations created.
    following = AnalyticsModel.objects.filter(processor="").count()
    assert following >= 2
    confirmation = page.locator(".processor-change-confirmation")
    text = confirmation.inner_text()
    assert f"{following} analytics models use the default processor" in text
    assert "Built-in (scikit-learn)" in text
    assert AnalyticsSettings.load().default_processor == "builtin"  # not yet
    page.click("text=Yes, change it and clear the models")

    page.wait_for_url(change_url)
    messages = page.locator(".messagelist").inner_text()
    assert f"{following} analytics models were cleared." in messages
    assert page.locator("#id_default_processor").input_value() == "mlbackend"
    assert page.is_checked("input[name=evaluation_intervals][value=deciles]")
    assert not page.is_checked("input[name=evaluation_intervals][value=quarters]")
    assert page.locator("#id_mlbackend_password").input_value() == ""
    assert ML_PASSWORD not in page.content()
    saved = AnalyticsSettings.load()
    assert saved.default_processor == "mlbackend"
    assert saved.evaluation_intervals == ["quarters_accum", "deciles", "single_range"]
    assert saved.mlbackend_password == ML_PASSWORD
    learned, rule_based = analytics_models
    learned.refresh_from_db()
    rule_based.refresh_from_db()
    assert learned.trained is False
    assert rule_based.trained is True
    assert set(
        SettingChange.objects.filter(user=admin_user).values_list("setting", flat=True)
    ) == {
        "default_processor",
        "evaluation_intervals",
        "mlbackend_url",
        "mlbackend_password",
    }

    blocker = tmp_path / "read-only-file"
    blocker.write_text("not a directory")
    page.fill("#id_models_output_dir", str(blocker / "models"))
    page.click("input[name=_save]")

    error = page.locator(".field-models_output_dir .errorlist")
    assert "cannot be created" in error.inner_text()
    assert AnalyticsSettings.load().models_output_dir == ""


def test_unreachable_ml_server_is_refused_beside_the_processor(
    admin_page, live_url, transactional_db
):
    page = admin_page
    page.goto(live_url("admin:settings_app_analyticssettings_change", 1))
    page.select_option("#id_default_processor", "mlbackend")
    page.fill("#id_mlbackend_url", "http://127.0.0.1:9/")  # discard port: closed
    page.fill("#id_mlbackend_password", ML_PASSWORD)
    page.click("input[name=_save]")

    error = page.locator(".field-default_processor .errorlist").inner_text()
    assert "The selected predictions processor is not ready" in error
    assert "Cannot reach the ML backend server" in error
    assert AnalyticsSettings.load().default_processor == "builtin"


def test_settings_page_renders_in_spanish_for_a_spanish_browser(
    new_page, admin_login, live_url, transactional_db
):
    catalogues_compile()
    page = admin_login(new_page(locale="es-ES"))

    page.goto(live_url("admin:settings_app_analyticssettings_change", 1))

    assert page.url.endswith("/es/admin/settings_app/analyticssettings/1/change/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Modificar ajustes de analíticas"
    labels = [label.strip() for label in page.locator("label").all_inner_texts()]
    assert "Procesador de predicciones predeterminado:" in labels
    assert "Directorio de salida de los modelos:" in labels
    assert "Todos los cuartos anteriores" in labels  # an interval's own label
    assert page.locator("input[name=_save]").get_attribute("value") == "Guardar"
