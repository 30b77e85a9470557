"""A mail server that accepts the connection and then says nothing must not hold an
email worker for ever: DJANGO_EMAIL_TIMEOUT (30 s by default) bounds the wait, after
which the email is retried like any other failure (insights.emails)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import time, django, smtplib
django.setup()
from django.conf import settings
from django.core.mail import get_connection
print(settings.EMAIL_TIMEOUT)
started = time.monotonic()
try:
    get_connection().open()
except (OSError, smtplib.SMTPException) as error:
    print(type(error).__name__, round(time.monotonic() - started))
"""


def _probe(port: int, **env: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_EMAIL_URL": f"smtp://127.0.0.1:{port}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_silent_mail_server_gives_up_after_the_timeout():
    silent = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    accepting = threading.Thread(
        target=lambda: held.append(silent.accept()[0]), daemon=True
    )
    accepting.start()
    try:
        port = silent.getsockname()[1]
        setting, error, waited = _probe(port, DJANGO_EMAIL_TIMEOUT="1")
        # smtplib reports the timeout as the server disconnecting: either way an
        # error the email task retries, after the one second asked for.
        assert (setting, waited) == ("1", "1")
        assert error in {"TimeoutError", "SMTPServerDisconnected"}
    finally:
        for connection in held:
            connection.close()
        silent.close()


def test_the_default_timeout_is_thirty_seconds():
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens: refused at once, only the setting is read
    output = _probe(port)
    assert output[0] == "30" and output[1] == "ConnectionRefusedError"
