"""Model unique ids come from a stored site identifier, not from hosts or databases."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from models_app.plugins.processors import model_unique_id
from settings_app import selectors
from settings_app.models import SiteInformation

BEFORE = [
    ("settings_app", "0002_moodle_defaults_and_audit_labels"),
    ("models_app", "0003_default_models"),
]


def _old_unique_id(*, host: str, database: str, pk: int, version: int) -> str:
    """The id as it was computed before the site identifier existed."""
    raw = "$$".join([host, database, str(pk), str(version)])
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_reordering_hosts_or_renaming_the_database_changes_no_id(settings):
    settings.ALLOWED_HOSTS = ["foresight.example.org", "localhost"]
    first = model_unique_id(model_pk=3, version=100)
    settings.ALLOWED_HOSTS = ["localhost", "foresight.example.org"]
    assert model_unique_id(model_pk=3, version=100) == first
    default = {**settings.DATABASES["default"], "NAME": "renamed_database"}
    settings.DATABASES = {**settings.DATABASES, "default": default}
    assert model_unique_id(model_pk=3, version=100) == first
    assert model_unique_id(model_pk=3, version=101) != first


@pytest.mark.django_db
def test_the_site_identifier_is_random_stored_and_kept():
    identifier = selectors.site_identifier()
    assert len(identifier) == 32 and int(identifier, 16) >= 0
    assert selectors.site_identifier() == identifier
    assert SiteInformation.objects.get(pk=1).siteidentifier == identifier


@pytest.mark.django_db
def test_each_site_gets_its_own_identifier():
    first = selectors.site_identifier()
    SiteInformation.objects.all().delete()
    assert selectors.site_identifier() != first


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _leaves() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def before_the_identifier():
    """The database as it was before the site identifier; migrated forward after."""
    leaves = _leaves()
    _migrate(BEFORE)
    yield MigrationExecutor(connection).loader.project_state(BEFORE).apps
    _migrate(leaves)


@pytest.mark.django_db(transaction=True)
def test_upgrading_a_site_with_a_trained_model_keeps_its_old_ids(
    before_the_identifier, settings
):
    old_apps = before_the_identifier
    settings.ALLOWED_HOSTS = ["lms.example.org", "localhost"]
    database = str(settings.DATABASES["default"]["NAME"])
    analytics_model = old_apps.get_model("models_app", "AnalyticsModel")
    trained = analytics_model.objects.create(
        target="course_dropout",
        indicators=["read_actions"],
        interval="quarters",
        trained=True,
        version=1_700_000_000,
    )
    expected = _old_unique_id(
        host="lms.example.org",
        database=database,
        pk=trained.pk,
        version=trained.version,
    )

    _migrate(_leaves())

    assert model_unique_id(model_pk=trained.pk, version=trained.version) == expected
    settings.ALLOWED_HOSTS = ["localhost", "lms.example.org"]
    assert model_unique_id(model_pk=trained.pk, version=trained.version) == expected


@pytest.mark.django_db(transaction=True)
def test_upgrading_a_site_that_never_trained_gets_a_random_identifier(
    before_the_identifier, settings
):
    old_apps = before_the_identifier
    analytics_model = old_apps.get_model("models_app", "AnalyticsModel")
    # Rule-based models are trained from the start: they store nothing.
    analytics_model.objects.create(target="no_teaching", trained=True, version=1)
    old_apps.get_model("models_app", "TrainSample").objects.all().delete()
    old_apps.get_model("models_app", "ModelLog").objects.all().delete()

    _migrate(_leaves())

    identifier = selectors.site_identifier()
    assert "$$" not in identifier
    assert len(identifier) == 32
