"""compose.yaml and the Dockerfile run the full stack as the README says.

Where the Docker client has the compose plugin, `docker compose config` checks the
file (it needs no daemon); where a daemon answers, the site image is built. The
structural checks below run everywhere, CI included, so the file is never left
unchecked: services, commands, health checks, volumes, the optional profile, the
pinned base and the non-root users.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
SITE_SERVICES = ("web", "worker", "beat")
LONG_RUNNING = (*SITE_SERVICES, "db", "redis", "mlbackend")
MODELS_DIR = "/data/models"  # FORESIGHT_DATA_DIR=/data, models output dir default
ENV = {
    "POSTGRES_PASSWORD": "compose-test",
    "DJANGO_SECRET_KEY": "compose-test-" + "x" * 50,
    "FORESIGHT_MLBACKEND_USERS": "default:compose-test",
}


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _docker(*args: str) -> subprocess.CompletedProcess | None:
    """Run the docker client; None when there is none."""
    if shutil.which("docker") is None:
        return None
    return subprocess.run(
        ["docker", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", **ENV},
    )


def _stages() -> dict[str, list[str]]:
    """Dockerfile stage name -> its instructions (one string per instruction)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    stages: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line, re.IGNORECASE)
        if match:
            current = match.group(2)
            stages[current] = [line]
        elif current:
            stages[current].append(line)
    return stages


def test_docker_compose_config_accepts_the_file_where_docker_has_compose():
    result = _docker("compose", "version")
    if result is None or result.returncode != 0:
        # No compose plugin (this machine's client has none): the structural
        # tests below are the check.
        assert _compose()["services"]
        return
    config = _docker("compose", "--profile", "mlbackend", "config", "--quiet")
    assert config.returncode == 0, config.stderr


def test_services_run_gunicorn_celery_postgresql_and_redis():
    services = _compose()["services"]

    assert set(LONG_RUNNING) <= set(services)
    web = " ".join(services["web"]["command"])
    assert "gunicorn config.wsgi" in web
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in SITE_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/foresight?connect_timeout=" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        assert services[name]["build"]["target"] == "site"
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]


def test_secrets_must_be_set_rather_than_defaulted():
    text = COMPOSE.read_text()

    for name in ENV:
        assert re.search(r"\$\{" + name + r":\?", text), name
        assert not re.search(r"\$\{" + name + r":-", text), name


def test_every_long_running_service_has_a_health_check_that_gates_its_users():
    services = _compose()["services"]

    for name in LONG_RUNNING:
        check = services[name].get("healthcheck", {})
        assert check.get("disable") is not True, name
        assert check.get("test"), name
    for name in SITE_SERVICES:
        for dependency, rule in services[name]["depends_on"].items():
            assert dependency in services
            if dependency != "migrate":
                assert rule["condition"] == "service_healthy"
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in web_check


def test_the_manage_py_health_check_of_worker_and_beat_exists(db, capsys):
    call_command("healthcheck")

    assert '"status": "ok"' in capsys.readouterr().out


def test_trained_models_live_in_a_volume_mounted_where_models_are_written():
    compose = _compose()
    services = compose["services"]

    assert "models" in compose["volumes"]
    for name in SITE_SERVICES:
        assert f"models:{MODELS_DIR}" in services[name]["volumes"], name
        assert services[name]["environment"]["FORESIGHT_DATA_DIR"] == "/data"
    assert compose["volumes"].keys() >= {"postgres", "redis", "mlbackend-models"}


def test_the_ml_server_is_an_optional_profile():
    services = _compose()["services"]

    assert services["mlbackend"]["profiles"] == ["mlbackend"]
    assert services["mlbackend"]["build"]["target"] == "mlbackend"
    for name in set(services) - {"mlbackend"}:
        assert "profiles" not in services[name], name


def test_the_dockerfile_pins_its_base_by_digest_and_runs_as_non_root():
    stages = _stages()
    text = DOCKERFILE.read_text()

    assert {"site", "mlbackend", "site-build", "mlbackend-build"} <= set(stages)
    (base,) = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert re.fullmatch(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", base)
    for line in re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE):
        assert line in ("${PYTHON_IMAGE}", "base") or line in stages, line
    for name in ("site", "mlbackend"):
        users = [i.split()[1] for i in stages[name] if i.upper().startswith("USER ")]
        assert users and users[-1] not in ("root", "0"), name
        assert any(i.startswith("HEALTHCHECK") for i in stages[name]), name
    # The site image's build steps run what this checkout has.
    assert (ROOT / "bin/compile_messages.py").exists()
    assert "gunicorn==" in (ROOT / "requirements-mlbackend.txt").read_text()
    # Both images install from a lock with hashes, nothing floating.
    for name, lock in (
        ("site-build", "requirements.lock"),
        ("mlbackend-build", "requirements-mlbackend.lock"),
    ):
        installs = [i for i in stages[name] if "pip install" in i]
        assert installs and all("--require-hashes" in i for i in installs), name
        assert any(lock in i for i in stages[name]), name
        assert (ROOT / lock).exists(), lock
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "/data"} <= set(ignored)


@pytest.mark.integration
def test_the_site_image_builds_where_a_docker_daemon_answers():
    info = _docker("info")
    if info is None or info.returncode != 0:
        # No daemon (CI has none): the Dockerfile was checked structurally above.
        assert _stages()["site"]
        return
    build = _docker("build", "--target", "site", "-t", "foresight-site:test", ".")
    assert build.returncode == 0, build.stderr[-3000:]
