"""FORESIGHT_LOG_FORMAT=json: one JSON object per log line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from ops.logformat import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


def test_a_record_becomes_one_json_line_with_extra_fields():
    record = logging.makeLogRecord(
        {
            "name": "models_app.run",
            "levelname": "WARNING",
            "levelno": logging.WARNING,
            "msg": "model %s refused",
            "args": (3,),
            "model_id": 3,
            "thing": object(),
        }
    )

    line = JsonFormatter().format(record)

    data = json.loads(line)
    assert "\n" not in line
    assert data["level"] == "WARNING"
    assert data["logger"] == "models_app.run"
    assert data["message"] == "model 3 refused"
    assert data["model_id"] == 3
    assert data["thing"].startswith("<object")
    assert data["time"].endswith("+00:00")


def test_the_setting_switches_the_console_handler_to_json():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('foresight.test').warning('hello %s', 'world')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["FORESIGHT_LOG_FORMAT"] = "json"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    data = json.loads(result.stderr.strip().splitlines()[-1])
    assert data["message"] == "hello world"
    assert data["logger"] == "foresight.test"

    env["FORESIGHT_LOG_FORMAT"] = "plain"
    plain = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert plain.stderr.strip().endswith("WARNING foresight.test hello world")
