"""Reading the settings: the disabled-analytics refusal, candidates, fallbacks."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from django.utils import translation

from settings_app import selectors
from settings_app.models import AnalyticsSettings
from settings_app.services import analytics_settings_update


@pytest.mark.django_db
def test_enabled_analytics_lets_callers_through():
    assert selectors.analytics_enabled() is True
    selectors.analytics_enabled_or_raise()  # no exception


@pytest.mark.django_db
def test_disabled_analytics_refuses_with_how_to_enable_it():
    analytics_settings_update(values={"enabled": False})

    assert selectors.analytics_enabled() is False
    with pytest.raises(selectors.AnalyticsDisabled) as refusal:
        selectors.analytics_enabled_or_raise()
    message = str(refusal.value)
    assert message == selectors.ANALYTICS_DISABLED_MESSAGE
    assert "Analytics settings > Analytics enabled" in message


@pytest.mark.django_db
def test_disabled_analytics_message_follows_the_language(spanish_catalogue):
    analytics_settings_update(values={"enabled": False})

    with translation.override("es"), pytest.raises(selectors.AnalyticsDisabled) as es:
        selectors.analytics_enabled_or_raise()
    assert "Las analíticas están desactivadas" in str(es.value)
    assert "Ajustes de analíticas > Analíticas activadas" in str(es.value)


@pytest.mark.django_db
def test_a_save_is_seen_by_the_next_read_at_once(tmp_path):
    assert selectors.analytics_settings().only_cli is True
    AnalyticsSettings.objects.filter(pk=1).update(
        only_cli=False, models_output_dir=str(tmp_path)
    )  # as another process would

    assert selectors.analytics_settings().only_cli is False
    assert selectors.models_output_dir() == tmp_path


@pytest.mark.django_db
def test_candidate_settings_are_seen_only_inside_the_block():
    candidate = AnalyticsSettings.load()
    candidate.mlbackend_url = "http://ml.example.org/"

    with selectors.analytics_settings_candidate(candidate):
        assert selectors.analytics_settings().mlbackend_url == "http://ml.example.org/"
    assert selectors.analytics_settings().mlbackend_url == ""


@pytest.mark.django_db
def test_evaluation_intervals_default_to_moodles_three():
    assert selectors.evaluation_intervals() == [
        "quarters_accum",
        "quarters",
        "single_range",
    ]


@pytest.mark.django_db
def test_empty_evaluation_intervals_mean_all_that_can_be_evaluated():
    analytics_settings_update(values={"evaluation_intervals": []})

    keys = selectors.evaluation_intervals()
    assert {"quarters", "deciles", "single_range", "no_splitting"} <= set(keys)
    assert not any(key.startswith("upcoming_") for key in keys)  # never evaluated


@pytest.mark.django_db
def test_env_password_is_used_when_none_is_stored(settings):
    settings.FORESIGHT_MLBACKEND_PASSWORD = "from-the-environment"
    assert selectors.analytics_settings().mlbackend_effective_password() == (
        "from-the-environment"
    )
    analytics_settings_update(values={"mlbackend_password": "stored"}, validate=False)
    assert selectors.analytics_settings().mlbackend_effective_password() == "stored"


@pytest.fixture
def shared_cache(settings):
    """The site's cache on the real Redis at 127.0.0.1:6379, as production runs it."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"foresight-test-{uuid.uuid4().hex}",
        }
    }
    yield caches["default"]
    caches["default"].delete_many([selectors.CACHE_KEY, selectors.CACHE_VERSION_KEY])


@pytest.mark.django_db
def test_shared_cache_serves_reads_until_a_save_commits(
    shared_cache, django_capture_on_commit_callbacks, django_assert_num_queries
):
    assert selectors.analytics_settings().only_cli is True  # fills the cache
    with django_assert_num_queries(0):
        assert selectors.analytics_settings().only_cli is True

    with django_capture_on_commit_callbacks(execute=True):
        analytics_settings_update(values={"only_cli": False})

    assert selectors.analytics_settings().only_cli is False
    with django_assert_num_queries(0):
        assert selectors.analytics_enabled() is True


@pytest.mark.django_db
def test_per_process_cache_is_not_used_so_other_processes_are_seen(
    django_assert_num_queries,
):
    selectors.analytics_settings()
    with django_assert_num_queries(1):
        selectors.analytics_settings()


@pytest.mark.django_db
def test_lost_cache_version_falls_back_to_a_fresh_read(shared_cache):
    selectors.analytics_settings()
    shared_cache.delete(selectors.CACHE_VERSION_KEY)
    AnalyticsSettings.objects.filter(pk=1).update(model_time_limit=99)
    assert selectors.analytics_settings().model_time_limit == 99
