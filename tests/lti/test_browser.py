"""The whole LTI launch in headless Chromium, inside the platform's iframe.

The platform stand-in runs on http://127.0.0.1:<port> and Foresight's live server on
http://localhost:<port>: two sites, so the iframe is cross-site as on a real
deployment, and Foresight's cookies only work if they are `SameSite=None; Secure`
and its pages only render if the platform's origin may frame them.
"""

from __future__ import annotations

import re
import socket

import pytest
from django.urls import reverse
from joserfc.jwk import RSAKey

from lti.launch import CLAIM

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _english_urls():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def launch_setup(standin, platform_row, live_server, synced_site, course_insights):
    assert "localhost" in live_server.url  # another site than the stand-in's
    standin.tool_login_url = live_server.url + reverse("lti:login")
    standin.tool_launch_url = live_server.url + reverse("lti:launch")
    return platform_row()


def _tool_frame(page, standin, user: str):
    page.goto(standin.embed_page(user))
    frame = page.frame(name="tool")
    assert frame is not None
    return frame


def _sessions() -> int:
    from django.contrib.sessions.models import Session

    return Session.objects.count()


@pytest.mark.parametrize(
    ("sub", "landing", "name"),
    [
        ("265", "course", "LTI capture course"),
        ("267", "own", "Students at risk"),
        ("268", "category", "Other course"),
    ],
    ids=["teacher-on-course-insights", "student-on-own", "category-manager-on-list"],
)
def test_launch_in_the_platforms_iframe_lands_by_capability(
    page, standin, launch_setup, course_insights, live_url, sub, landing, name
):
    expected = {
        "course": course_insights.course.get_absolute_url(),
        "own": course_insights.own.get_absolute_url(),
        "category": reverse("insights:list"),
    }[landing]
    frame = _tool_frame(page, standin, sub)
    frame.wait_for_url(live_url(expected))
    assert frame.locator("h1").first.is_visible()
    assert name in frame.content()
    assert frame.locator("#lti-refusal").count() == 0
    if landing == "category":  # the list shows both courses of the category
        assert "LTI capture course" in frame.content()
    # The session cookie came back inside the cross-site iframe: a second page works.
    frame.goto(live_url("insights:notifications"))
    assert frame.url == live_url("insights:notifications")
    assert frame.locator("#notifications-link").count() == 1


def test_forms_work_inside_the_cross_site_iframe(
    page, standin, launch_setup, course_insights, live_url
):
    """A POST with its CSRF token (the language form) passes inside the iframe, and
    the cookie it sets comes back: the CSRF and language cookies work cross-site."""
    frame = _tool_frame(page, standin, "265")
    frame.wait_for_url(live_url(course_insights.course.get_absolute_url()))
    frame.select_option("#language", "es")
    frame.locator("form:has(#language) button[type=submit]").click()
    frame.wait_for_url(re.compile(r".*/es/insights/\d+/$"))
    assert frame.locator("html").get_attribute("lang") == "es"
    assert frame.locator("#lti-refusal").count() == 0


def test_teacher_launch_in_a_new_window(page, standin, launch_setup, course_insights):
    page.goto(standin.launch_page("265"))
    page.wait_for_url(re.compile(re.escape(course_insights.course.get_absolute_url())))
    assert "Students at risk" in page.content()


def test_pages_of_a_launch_refuse_framing_by_other_origins(
    browser, standin, launch_setup, live_url
):
    """The stand-in's origin may frame the tool; an unregistered page may not."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    target = live_url("lti:jwks")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

        def do_GET(self):
            body = f'<iframe id="t" name="t" src="{target}"></iframe>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        blocked = []
        page.on("console", lambda message: blocked.append(message.text))
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.wait_for_timeout(500)
        frame = page.frame(name="t")
        assert frame is not None
        assert '"kty"' not in frame.content()  # the keyset did not render there
        assert any("frame-ancestors" in text for text in blocked), blocked
        # The same page loaded top-level, or framed by the platform, renders.
        assert '"kty"' in page.context.request.get(target).text()
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


BAD_INPUTS = {
    "expired": ({"iat": 1_700_000_000, "exp": 1_700_000_060}, "expired"),
    "wrong-audience": ({"aud": "SomeOtherTool"}, "audience"),
    "wrong-issuer": ({"iss": "http://127.0.0.1:1/moodle"}, "issuer"),
    "unknown-deployment": ({CLAIM + "deployment_id": "99"}, "deployment"),
    "no-course": ({CLAIM + "context": None}, "place"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_claims_are_refused_in_the_iframe(page, standin, launch_setup, case):
    standin.tamper, code = BAD_INPUTS[case]
    frame = _tool_frame(page, standin, "265")
    refusal = frame.locator("#lti-refusal")
    refusal.wait_for()
    assert refusal.get_attribute("data-code") == code
    assert len(refusal.inner_text()) > 40
    assert _sessions() == 0


def test_signature_by_another_key_is_refused_in_the_iframe(page, standin, launch_setup):
    standin.sign_with = RSAKey.generate_key(2048, parameters={"kid": "standin-1"})
    frame = _tool_frame(page, standin, "265")
    frame.locator("#lti-refusal[data-code=signature]").wait_for()
    assert _sessions() == 0


def test_unreachable_keyset_is_refused_in_the_iframe(page, standin, launch_setup):
    launch_setup.keyset_url = f"http://127.0.0.1:{_closed_port()}/certs.php"
    launch_setup.save()
    frame = _tool_frame(page, standin, "265")
    refusal = frame.locator("#lti-refusal[data-code=keyset]")
    refusal.wait_for()
    assert "keyset URL" in refusal.inner_text()
    assert _sessions() == 0


def test_user_foresight_cannot_place_is_refused_in_the_iframe(
    page, standin, launch_setup
):
    launch_setup.create_unknown = False
    launch_setup.save()
    frame = _tool_frame(page, standin, "2")  # Moodle's admin: not synced
    frame.locator("#lti-refusal[data-code=place]").wait_for()
    assert _sessions() == 0


def test_replayed_launch_is_refused_in_the_browser(
    browser, page, standin, launch_setup, live_url
):
    """The platform's launch form posted again, from another browser: refused."""
    from urllib.parse import parse_qs

    posted: list[dict] = []

    def keep(request) -> None:
        if request.method == "POST" and request.url == live_url("lti:launch"):
            posted.append({k: v[0] for k, v in parse_qs(request.post_data).items()})

    page.on("request", keep)
    frame = _tool_frame(page, standin, "265")
    frame.wait_for_url(re.compile(r".*/insights/\d+/$"))
    assert len(posted) == 1 and set(posted[0]) == {"id_token", "state"}
    sessions = _sessions()
    other = browser.new_context()
    try:
        replay = other.new_page()
        inputs = "".join(
            f"<input name={name} value='{value}'>" for name, value in posted[0].items()
        )
        replay.set_content(
            f"<form id=f method=post action='{live_url('lti:launch')}'>{inputs}</form>"
            "<script>document.getElementById('f').submit()</script>"
        )
        refusal = replay.locator("#lti-refusal")
        refusal.wait_for()
        assert refusal.get_attribute("data-code") == "replay"
    finally:
        other.close()
    assert _sessions() == sessions


def test_admin_registration_page_shows_moodles_fields(
    admin_page, live_url, moodle_data
):
    platform = moodle_data.registration["platform"]
    admin_page.goto(live_url("admin:lti_platform_add"))
    admin_page.fill("#id_name", "Moodle peer")
    admin_page.fill("#id_issuer", platform["issuer"])
    admin_page.fill("#id_client_id", "QnVFCqgNX5Mf9kW")
    admin_page.fill("#id_deployment_ids", '["1"]')
    admin_page.fill("#id_keyset_url", platform["public_keyset_url"])
    admin_page.fill("#id_auth_login_url", platform["authentication_request_url"])
    admin_page.fill("#id_token_url", platform["access_token_url"])
    admin_page.click("input[name=_save]")
    admin_page.wait_for_url(re.compile(r".*/admin/lti/platform/$"))
    admin_page.click("#lti-registration-link")
    admin_page.wait_for_url(live_url("admin:lti_platform_registration"))
    rows = {
        row.locator("th").inner_text().strip(): row.locator("td").inner_text().strip()
        for row in admin_page.locator("#tool-values tbody tr").all()
    }
    assert rows["Tool URL"] == live_url("lti:launch")
    assert rows["LTI version"] == "LTI 1.3"
    assert rows["Public key type"] == "Keyset URL"
    assert rows["Public keyset"] == live_url("lti:jwks")
    assert rows["Initiate login URL"] == live_url("lti:login")
    assert rows["Redirection URI(s)"] == live_url("lti:launch")
    roles = admin_page.locator("#role-mapping").inner_text()
    assert "Instructor" in roles and "Learner" in roles
    assert "Moodle peer" in admin_page.locator("#content-main").inner_text()
    # The keyset URL shown publishes a key.
    jwks = admin_page.request.get(rows["Public keyset"]).json()
    assert len(jwks["keys"]) == 1


def test_admin_rejects_a_platform_without_keys(admin_page, live_url):
    admin_page.goto(live_url("admin:lti_platform_add"))
    admin_page.fill("#id_name", "No keys")
    admin_page.fill("#id_issuer", "https://moodle.example")
    admin_page.fill("#id_client_id", "abc")
    admin_page.fill("#id_deployment_ids", '["1"]')
    admin_page.fill("#id_auth_login_url", "https://moodle.example/mod/lti/auth.php")
    admin_page.click("input[name=_save]")
    admin_page.locator(".errornote").wait_for()
    assert "keyset URL or paste its public key" in admin_page.content()
