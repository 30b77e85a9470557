"""Fixtures for the LTI tests: the platform stand-in, a frozen clock, the Moodle
site as the sync would have brought it into Foresight, and insights to land on."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest

from tests.lti.platform import DATA, PlatformStandIn

FAKE_TARGET = ("fake_course_risk", "tests.fixtures.insights_targets.FakeCourseRisk")


@pytest.fixture
def standin() -> Iterator[PlatformStandIn]:
    platform = PlatformStandIn().start()
    yield platform
    platform.stop()


@pytest.fixture
def frozen_clock(monkeypatch) -> Callable[[int], None]:
    """`frozen_clock(ts)`: the LTI code's clock reads `ts` from then on."""
    from lti import clock

    def freeze(timestamp: int) -> None:
        monkeypatch.setattr(clock, "timestamp", lambda: timestamp)

    return freeze


@pytest.fixture
def json_server() -> Iterator[Callable[[dict], str]]:
    """`url = json_server(document)`: a real HTTP server thread answering JSON."""
    servers: list[ThreadingHTTPServer] = []

    def serve(document: dict) -> str:
        body = json.dumps(document).encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/mod/lti/certs.php"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def moodle_data() -> SimpleNamespace:
    return SimpleNamespace(
        launches=json.loads((DATA / "launches.json").read_text())["launches"],
        keyset=json.loads((DATA / "platform-keyset.json").read_text()),
        registration=json.loads((DATA / "registration.json").read_text()),
    )


def _default_roles() -> None:
    from django.apps import apps

    from access.defaults import defaults_install
    from access.models import Role

    if not Role.objects.filter(shortname="editingteacher").exists():
        defaults_install(apps)


@pytest.fixture
def synced_site(db, monkeypatch) -> SimpleNamespace:
    """Moodle's course 5 and its people as the Moodle sync brings them in: Foresight
    rows, their roles (the manager on the category) and the sync's id map."""
    from moodlesync.models import ExternalId, Kind
    from tests.factories import (
        CategoryFactory,
        CourseFactory,
        EnrolmentFactory,
        RoleAssignmentFactory,
        UserFactory,
    )

    _default_roles()
    category = CategoryFactory(name="Category 1")
    course = CourseFactory(
        category=category, shortname="LTICAP1", fullname="LTI capture course"
    )
    other = CourseFactory(category=category, shortname="OTHER", fullname="Other course")
    people = {}
    for sub, username, role, where in [
        ("265", "lti_teacher", "editingteacher", course),
        ("266", "lti_ta", "teacher", course),
        ("267", "lti_student", "student", course),
        ("268", "lti_catmanager", "manager", category),
    ]:
        user = UserFactory(username=username)
        user.set_unusable_password()
        user.save()
        if where is course:
            EnrolmentFactory(user=user, course=course)
        RoleAssignmentFactory(user=user, role=role, context=where)
        ExternalId.objects.create(kind=Kind.USER, moodle_id=int(sub), local_id=user.pk)
        people[sub] = user
    ExternalId.objects.create(kind=Kind.COURSE, moodle_id=5, local_id=course.pk)
    return SimpleNamespace(category=category, course=course, other=other, people=people)


@pytest.fixture
def course_insights(synced_site, monkeypatch) -> SimpleNamespace:
    """An insight in course 5, one in the other course, one about the student."""
    from access.selectors import context_of
    from insights.models import Insight
    from models_app.models import AnalyticsModel
    from models_app.plugins import registry

    monkeypatch.setitem(registry.TARGETS, *FAKE_TARGET)
    model = AnalyticsModel.objects.create(
        name="Students at risk", target=FAKE_TARGET[0], enabled=True, trained=True
    )
    student = synced_site.people["267"]
    return SimpleNamespace(
        course=Insight.objects.create(
            model=model, context=context_of(synced_site.course)
        ),
        other=Insight.objects.create(
            model=model, context=context_of(synced_site.other)
        ),
        own=Insight.objects.create(model=model, context=context_of(student)),
    )


@pytest.fixture
def platform_row(standin) -> Callable[..., Any]:
    """`platform_row(**fields)`: the stand-in's registration in Foresight."""
    from lti.models import Platform

    def make(**fields: Any) -> Platform:
        values = {
            "name": "Moodle stand-in",
            "issuer": standin.issuer,
            "client_id": standin.client_id,
            "deployment_ids": [standin.deployment_id],
            "keyset_url": standin.keyset_url,
            "auth_login_url": standin.auth_url,
            "token_url": standin.token_url,
            "moodle_sync": True,
            **fields,
        }
        return Platform.objects.create(**values)

    return make
