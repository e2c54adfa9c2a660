"""Each person's home page on a laptop and on a phone: her day comes first, nothing scrolls
sideways at 390 px, and the page passes axe's WCAG checks. Screenshots are saved in the
directory named by SCREENSHOT_DIR (pytest's temporary directory otherwise)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lms.accounts.roles import Role
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import FranchisorFactory, PartnerFactory, member
from tests.factories.homes import working_day

SIZES = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def screenshots(tmp_path) -> Path:
    directory = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def test_each_role_home_on_a_laptop_and_a_phone(app, playwright_browser, server_url, screenshots):
    day = working_day(PartnerFactory(name="Northside Community Project"))
    franchisor = day.organisation.franchisor or FranchisorFactory()
    administrator = member(franchisor, Role.ADMIN, display_name="Admin Ada")
    people = {
        "trainee": (day.setting.trainee, "Your day"),
        "assessor": (day.setting.assessor, "Your assessment work"),
        "iqa": (day.setting.iqa, "Your quality assurance"),
        "eqa": (day.eqa, "Your external review"),
        "coordinator": (day.coordinator, "Today at Northside Community Project"),
        "administrator": (administrator, "Hello, Admin Ada"),
    }
    for size, viewport in SIZES.items():
        for role, (person, heading) in people.items():
            context = playwright_browser.new_context(
                base_url=server_url, viewport=viewport, is_mobile=size == "phone"
            )
            context.set_default_timeout(10_000)
            page = context.new_page()
            try:
                sign_in(page, person.email)
                page.goto("/")
                expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
                    f"{role} home scrolls sideways on a {size}"
                )
                assert accessibility_violations(page) == [], role
                page.screenshot(path=str(screenshots / f"home-{role}-{size}.png"), full_page=True)
            finally:
                context.close()
    assert len(list(screenshots.glob("home-*.png"))) == 2 * len(people)
