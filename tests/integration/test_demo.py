"""`make demo` end to end: bin/demo serves the admin, the printed login works, Ctrl-C
stops the web server, the Celery worker and beat."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
# Generous: on an idle machine the demo is up in about 20 seconds.
STARTUP_SECONDS = 240


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _lines(stream, sink: queue.Queue) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


@pytest.mark.integration
def test_demo_serves_the_admin_with_the_printed_login_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"FORESIGHT_DATA_DIR": str(tmp_path / "data"), "PORT": str(port)}
    process = subprocess.Popen(
        ["bash", "bin/demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # Ctrl-C must reach the script even when this test runs with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    pgid = os.getpgid(process.pid)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    output: list[str] = []
    login = url = None
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while url is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            output.append(line)
            if match := re.match(r"Login: (\S+) / (\S+)", line):
                login = match.groups()
            if match := re.search(r"running at (http://\S+)", line):
                url = match.group(1)
        assert login is not None, "".join(output)
        assert url == f"http://127.0.0.1:{port}/", "".join(output)
        assert any(line.startswith("Teacher (insights): ") for line in output)
        assert any(line.startswith("Manager (analytics models): ") for line in output)
        url = f"{url}admin/"

        session = requests.Session()
        session.get(f"{url}login/", timeout=30).raise_for_status()
        response = session.post(
            f"{url}login/?next=/admin/",
            data={
                "username": login[0],
                "password": login[1],
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
                "next": "/admin/",
            },
            headers={"Referer": f"{url}login/"},
            timeout=30,
        )
        assert response.status_code == 200
        assert response.url == url  # redirected into the admin: the login worked
        courses = session.get(f"{url}lms/course/", timeout=30)
        assert courses.status_code == 200
        assert "BIO01" in courses.text  # a course of the generated demo site
        # Not in debug mode, the stylesheets served all the same.
        missing = session.get(f"{url}insights/predictions/999999/", timeout=30)
        assert missing.status_code == 404
        assert "URLconf" not in missing.text and "Traceback" not in missing.text
        css = session.get(f"http://127.0.0.1:{port}/static/foresight.css", timeout=30)
        assert css.status_code == 200 and "figure.chart" in css.text
        wrong = requests.Session()
        wrong.get(f"{url}login/", timeout=30)
        refused = wrong.post(
            f"{url}login/",
            data={
                "username": login[0],
                "password": login[1] + "x",
                "csrfmiddlewaretoken": wrong.cookies["csrftoken"],
            },
            headers={"Referer": f"{url}login/"},
            timeout=30,
        )
        assert refused.url.endswith("/admin/login/")

        # Ctrl-C in a terminal signals the whole foreground process group.
        os.killpg(pgid, signal.SIGINT)
        process.wait(timeout=60)
        for _ in range(100):
            if not _group_alive(pgid):
                break
            time.sleep(0.1)
        assert _group_alive(pgid) is False
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}login/", timeout=5)
    finally:
        if _group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
        process.wait(timeout=30)
