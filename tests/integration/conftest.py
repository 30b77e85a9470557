"""Shared fixtures for browser tests: headless Debian Chromium driven by Playwright.

Every browser test runs against pytest-django's `live_server` with `transactional_db`
(the server thread must see committed rows), so it works on SQLite and PostgreSQL.

Usage::

    @pytest.mark.integration
    def test_something(admin_page, live_url):
        admin_page.goto(live_url("admin:index"))

    def test_in_spanish(new_page, admin_login, live_url):
        page = new_page(locale="es-ES")
        admin_login(page)

On failure, a full-page screenshot of every page the test opened is written to
test-artifacts/<test name>-<n>.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

# Playwright's sync API runs an event loop in the main thread; Django's async-safety
# check would then refuse the ORM calls the test itself makes in that thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "correct-horse-battery-staple"  # a throwaway test account
DEFAULT_TIMEOUT_MS = 15_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so fixtures know whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver) -> Iterator[Any]:
    """One headless Chromium for the session; missing Chromium fails, never skips."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make sysdeps` (apt-get install chromium)."
        )
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, request) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context: `new_page(locale="es-ES")`.

    The context's locale sets the Accept-Language header, so the site answers in
    that language. Contexts are closed at teardown, after a screenshot on failure.
    """
    contexts: list[Any] = []

    def open_page(*, locale: str = "en-US", **context_options: Any) -> Any:
        context = browser.new_context(locale=locale, **context_options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    if failed:
        ARTIFACTS_DIR.mkdir(exist_ok=True)
    number = 0
    for context in contexts:
        for page in context.pages:
            if failed:
                number += 1
                path = ARTIFACTS_DIR / f"{name}-{number}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                except Exception as exc:  # never hide the real failure behind this one
                    print(f"Could not save {path}: {exc}")
        context.close()


@pytest.fixture
def page(new_page) -> Any:
    """A page in an English-speaking browser context."""
    return new_page()


@pytest.fixture
def live_url(live_server) -> Callable[..., str]:
    """`live_url("admin:index")` or `live_url("/some/path/")`: an absolute URL."""

    def build(name_or_path: str, *args: Any, **kwargs: Any) -> str:
        path = (
            name_or_path
            if name_or_path.startswith("/")
            else reverse(name_or_path, args=args or None, kwargs=kwargs or None)
        )
        return f"{live_server.url}{path}"

    return build


@pytest.fixture
def admin_user(transactional_db, django_user_model, settings) -> Any:
    """A superuser whose password is ADMIN_PASSWORD.

    Passwords are hashed with MD5 in browser tests: the real hasher costs about a
    second per login on a busy machine and proves nothing here.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return django_user_model.objects.create_superuser(
        username=ADMIN_USERNAME, email="admin@example.org", password=ADMIN_PASSWORD
    )


@pytest.fixture
def admin_login(live_url, admin_user) -> Callable[..., Any]:
    """Log a page in through the admin login form: `admin_login(page)`."""

    def login(
        page: Any, *, username: str = ADMIN_USERNAME, password: str = ADMIN_PASSWORD
    ) -> Any:
        page.goto(live_url("admin:login"))
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r".*/admin/$"))
        return page

    return login


@pytest.fixture
def admin_page(page, admin_login) -> Any:
    """An English page logged in as the superuser, on the admin index."""
    return admin_login(page)
