"""Real-browser journeys: the app served on a local port, driven by Playwright in Debian's
Chromium. Marked `browser`; skipped when Chromium is missing unless REQUIRE_BROWSER=1."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def playwright_browser():
    # tests/conftest.py deselects these journeys where Chromium is missing.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def config_overrides():
    return {"SERVER_NAME": None}


def _read_whole(app):
    """The app, each answer read whole and its body closed before the server writes it.
    Werkzeug's development server skips closing a body when the browser drops the connection
    while the server reads what is left of the request (as it does while a page is closed at
    the end of a journey): a static file's handle was then left for the garbage collector,
    which reported it in whichever test was running. Every answer here is small."""

    def whole(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return whole


@pytest.fixture
def server_url(app):
    """The app served from a thread on a free local port, for the length of one test."""
    server = make_server("127.0.0.1", 0, _read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture
def page(playwright_browser, server_url):
    context = playwright_browser.new_context(
        base_url=server_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(playwright_browser, server_url):
    context = playwright_browser.new_context(
        base_url=server_url, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, email: str, password: str = "correct horse battery") -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    # Wait for the page the form leads to: a load-state check alone can return before the
    # browser has left the sign-in page.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def accessibility_violations(page) -> list[str]:
    """axe-core's WCAG 2.x A/AA violations on the current page (contrast included)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
            },
            "resultTypes": ["violations"],
        },
    )
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} element(s), e.g. {v['nodes'][0]['html'][:120]})"
        for v in results.response["violations"]
    ]
