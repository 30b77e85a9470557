"""Benchmark of a command's start: `manage.py check` against the frameworks' own floor.

    .venv/bin/python bench/command_start.py              # 7 runs of each
    .venv/bin/python bench/command_start.py --runs 15

Issue 18.4 asks for commands that start in <= 0.5 s. Every `manage.py` command pays
Django's setup (settings, every app's models) and, unless it opts out, the system
checks (the URLconf, every app's template tags). This prints JSON with the wall
seconds (fastest and median of `--runs`) of a plain `manage.py check`:

- `foresight`: this project, as an admin runs it;
- `stack_floor`: a project of no code of its own in a temporary directory, with
  Foresight's third-party apps and middleware (Django's contrib apps,
  django-celery-beat, django-axes, WhiteNoise, drf-spectacular; REST framework's
  directory is installed by Foresight's own config/apps.py),
  the admin's URLconf and a Celery app loaded by the project package as Foresight's
  is (config/__init__.py): what any project on these libraries pays before a line
  of its own;
- `django_floor`: the same with Django's contrib apps alone.

`over_stack_floor_seconds` is Foresight's own share. Byte code is compiled first
(`compileall`) and `PYTHONDONTWRITEBYTECODE` is cleared for the runs: a deployment
runs from compiled byte code (the container image compiles it), and a machine that
sets the variable would otherwise measure the compiler. The load average before
and after is in the output.

Measured on 2026-12-01 on the shared two-core machine (load average 1.2-1.6, a
sync benchmark running beside it), 9 interleaved rounds: Foresight 1.03 s fastest,
1.38 s median; the stack floor 0.71 s and 0.94 s; Django alone 0.34 s and 0.44 s.

Measured on 2026-12-02 on a new, faster two-core machine, idle (load average
0.3-0.7), 9 rounds: before, Foresight 0.578 s fastest, 0.592 s median, the stack
floor 0.421 s, Django alone 0.204 s. Two changes since:
- REST framework is installed from its own directory without its template tags
  (config/apps.py RestFrameworkResources): the template check imported them for
  every command, and with them `requests`, REST framework's serializers and
  PostgreSQL's form fields (psycopg), about 0.10 s; only the browsable API, which
  Foresight does not serve, uses them. The stack floor, built from the settings'
  third-party entries, has no REST framework since.
- manage.py pauses the garbage collector while Django loads the apps and the last
  app's ready() freezes what was loaded and turns it back on (config/apps.py
  ProjectConfig): 0.12 s (collections of a million objects that all live on).
After: Foresight 0.382 s fastest, 0.388 s median; the stack floor (no REST
framework) 0.335 s; Django alone 0.217 s. With the first change alone, 0.495 s.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: Directories `compileall` leaves alone: the virtual environment (pip compiled it),
#: data and the version control's.
_SKIPPED = re.compile(r"/(\.venv|\.git|data|node_modules)/")


def third_party(entries: list[str]) -> list[str]:
    """The entries of a settings list that are not Foresight's own modules."""
    return [e for e in entries if not (ROOT / e.split(".")[0]).is_dir()]


def stack_settings() -> tuple[list[str], list[str]]:
    """Foresight's third-party apps and middleware, read from its settings."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    return third_party(settings.INSTALLED_APPS), third_party(settings.MIDDLEWARE)


SETTINGS = """\
SECRET_KEY = "bench-only-" + "x" * 50
INSTALLED_APPS = {apps!r}
MIDDLEWARE = {middleware!r}
AUTHENTICATION_BACKENDS = {backends!r}
ROOT_URLCONF = "floor.urls"
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {db!r}}}}}
TEMPLATES = [{{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {{"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]}},
}}]
STATIC_URL = "static/"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""
URLS = """\
from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
"""
CELERY_INIT = """\
from celery import Celery

celery_app = Celery("floor")
celery_app.config_from_object("django.conf:settings", namespace="CELERY")
"""
MANAGE = """\
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floor.settings")
from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
"""


def floor_project(where: Path, *, stack: bool) -> Path:
    """A project of no code of its own under `where`; returns its directory.

    `stack`: Foresight's third-party apps and middleware and a Celery app; else
    only Django's contrib apps and middleware among them."""
    project = where / ("stack" if stack else "django")
    package = project / "floor"
    package.mkdir(parents=True)
    apps, middleware = stack_settings()
    backends = ["django.contrib.auth.backends.ModelBackend"]
    if stack:
        backends.insert(0, "axes.backends.AxesStandaloneBackend")
    else:
        apps = [a for a in apps if a.startswith("django.")]
        middleware = [m for m in middleware if m.startswith("django.")]
    (package / "settings.py").write_text(
        SETTINGS.format(
            apps=apps,
            middleware=middleware,
            backends=backends,
            db=str(project / "db.sqlite3"),
        )
    )
    (package / "urls.py").write_text(URLS)
    (package / "__init__.py").write_text(CELERY_INIT if stack else "")
    (project / "manage.py").write_text(MANAGE)
    return project


def check_seconds(project: Path, env: dict[str, str]) -> float:
    """Wall seconds of one `manage.py check` in `project`."""
    start = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "manage.py", "check"],
        cwd=project,
        env=env,
        capture_output=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr.decode(errors="replace")[-2000:])
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # All three on their default SQLite: a DATABASE_URL would load the PostgreSQL
    # backend in Foresight's runs only.
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        env.pop(name, None)
    compileall.compile_dir(ROOT, quiet=1, rx=_SKIPPED)
    before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="foresight-floor-") as where:
        stack = floor_project(Path(where), stack=True)
        django = floor_project(Path(where), stack=False)
        for project in (stack, django):
            compileall.compile_dir(project, quiet=1)
        # Interleaved rounds, so a change of the machine's load touches all three.
        projects = {"foresight": ROOT, "stack_floor": stack, "django_floor": django}
        rounds: dict[str, list[float]] = {name: [] for name in projects}
        for _ in range(args.runs):
            for name, project in projects.items():
                rounds[name].append(check_seconds(project, env))
    out: dict = {
        "runs": args.runs,
        "load_average_before": [round(x, 2) for x in before],
    }
    for name, seconds in rounds.items():
        out[name] = {
            "min": round(min(seconds), 3),
            "median": round(statistics.median(seconds), 3),
        }
    out["over_stack_floor_seconds"] = round(
        out["foresight"]["min"] - out["stack_floor"]["min"], 3
    )
    out["target_seconds"] = 0.5
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
