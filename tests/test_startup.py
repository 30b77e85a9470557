"""Commands start fast: a plain `manage.py check` loads none of the heavy libraries.

The URLconf includes the ML backend server's views and the plug-in registry imports
every processor class for its label; scikit-learn, skops, matplotlib (seconds),
boto3 and the JWT library of LTI (joserfc, cryptography) must wait until a request
or command uses them. The check runs in a fresh interpreter, exactly as `manage.py
check` does, and reports which modules it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
HEAVY = (
    "sklearn",
    "skops",
    "matplotlib",
    "boto3",
    "scipy",
    "pandas",
    "joserfc",
    "cryptography",
)
#: Loaded on the first API request, not by the URLconf (api/urls.py): the API's
#: modules, REST framework's views, drf-spectacular's views and, through its
#: plumbing, django.test and Jinja2. REST framework's template tags (only its
#: browsable API uses them) are not installed (config/apps.py), so the template
#: check loads neither them nor what they import: its serializers and compat,
#: and through those PostgreSQL's form fields.
ON_FIRST_REQUEST = (
    "api.views",
    "api.serializers",
    "api.authentication",
    "drf_spectacular.views",
    "drf_spectacular.plumbing",
    "rest_framework.views",
    "rest_framework.templatetags.rest_framework",
    "rest_framework.serializers",
    "rest_framework.compat",
    "django.contrib.postgres.fields",
    "django.test",
    "jinja2",
    # The site's pages (config/lazyviews.py LazyViews): the analysis and backtest
    # services behind the models page, the LTI launch and its JWT checks, the
    # Prometheus client behind /metrics.
    "models_app.views",
    "models_app.services.backtest",
    "models_app.analysis.data",
    "insights.views",
    "lti.views",
    "lti.launch",
    "lti.links",
    "ops.views",
    "prometheus_client",
)

_SETUP_ANALYSIS = """
import sys
import django
django.setup()
import logstore.readers, models_app.analysis.data, models_app.views
print("PSYCOPG=" + str("psycopg" in sys.modules))
"""

_WRAPPER = """
import json, runpy, sys
sys.argv = ["manage.py", "check"]
try:
    runpy.run_path("manage.py", run_name="__main__")
except SystemExit as exc:
    if exc.code not in (None, 0):
        raise
import gc
print("GC=" + json.dumps([gc.isenabled(), gc.get_freeze_count()]))
print("MODULES=" + json.dumps(sorted(sys.modules)))
"""


def _check_output(env: dict[str, str] | None = None) -> str:
    """What the wrapper prints after a `manage.py check` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def check_run() -> str:
    return _check_output()


def _printed(output: str, key: str):
    line = next(x for x in output.splitlines() if x.startswith(key + "="))
    return json.loads(line.removeprefix(key + "="))


@pytest.fixture(scope="module")
def check_modules(check_run: str) -> set[str]:
    return set(_printed(check_run, "MODULES"))


def test_check_runs_with_the_collector_back_on_and_startup_frozen(
    check_run: str,
) -> None:
    """manage.py pauses the garbage collector while Django loads; the last app's
    ready() turns it back on, with what loading made frozen (config/apps.py), so a
    long command collects as usual."""
    enabled, frozen = _printed(check_run, "GC")
    assert enabled is True
    assert frozen > 10_000


def test_other_settings_keep_the_collector_on_throughout() -> None:
    """Settings without config.apps.ProjectConfig (the ML backend server's own)
    would never turn the collector back on: manage.py pauses it only for
    config.settings."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mlbackend.standalone_settings"}
    assert _printed(_check_output(env), "GC") == [True, 0]


def test_check_imports_no_heavy_library(check_modules: set[str]) -> None:
    loaded = sorted(name for name in check_modules if name.partition(".")[0] in HEAVY)
    assert loaded == []


def test_check_imports_no_api_view(check_modules: set[str]) -> None:
    assert sorted(set(ON_FIRST_REQUEST) & check_modules) == []


def test_check_imports_the_project_views_it_checks(check_modules: set[str]) -> None:
    """The URLconf was loaded (so the test above is not vacuous)."""
    assert {
        "mlbackend.views",
        "models_app.plugins.processors.builtin",
        "api.urls",
        "config.lazyviews",
        "models_app.urls",
        "insights.urls",
        "lti.urls",
        "ops.urls",
        "lti.keys",
    } <= check_modules


def test_analysis_loads_no_postgres_driver_on_sqlite() -> None:
    """The log readers import psycopg only to run a PostgreSQL COPY: a site on
    SQLite (the default) that loads the analysis and the models page never does."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run(
        [sys.executable, "-c", _SETUP_ANALYSIS],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "PSYCOPG=False" in done.stdout.splitlines()


_EVALUATE = """
import sys
import django
django.setup()
import models_app.views
from mlbackend.engine.evaluation import evaluation_run
from tests.mlbackend.datasets import separable
evaluation_run(dataset=separable(100), estimator="logistic_regression")
print("MATPLOTLIB=" + str("matplotlib" in sys.modules))
"""


def test_evaluating_and_the_models_pages_load_no_matplotlib() -> None:
    """An evaluation keeps its graphs' points and draws nothing: matplotlib (half a
    second) loads only when a page asks for a graph (mlbackend.engine.graphs)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", _EVALUATE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "MATPLOTLIB=False" in done.stdout.splitlines()


def test_builtin_default_estimator_matches_the_engine() -> None:
    from mlbackend.engine.estimators import DEFAULT_ESTIMATOR as ENGINE_DEFAULT
    from models_app.plugins.processors.builtin import DEFAULT_ESTIMATOR

    assert DEFAULT_ESTIMATOR == ENGINE_DEFAULT
