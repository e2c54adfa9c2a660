"""A person signs in, finds their way with the keyboard, changes their password and signs out."""

from playwright.sync_api import expect

from lms.accounts.roles import Role
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import PartnerFactory, member


def test_sign_in_change_password_and_sign_out(page, app):
    partner = PartnerFactory(name="Northside")
    coordinator = member(partner, Role.COORDINATOR, email="cora@example.org", display_name="Cora")

    page.goto("/login")
    assert accessibility_violations(page) == []
    page.get_by_label("Email").fill("cora@example.org")
    page.get_by_label("Password", exact=True).fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()  # the error summary is announced
    assert page.get_by_label("Email").input_value() == "cora@example.org"

    sign_in(page, coordinator.email)
    expect(page.get_by_role("heading", name="Hello, Cora")).to_be_visible()
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Change your password").first.click()
    page.get_by_label("Current password").fill("correct horse battery")
    page.get_by_label("New password", exact=True).fill("window garden kettle")
    page.get_by_label("New password again").fill("window garden kettle")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    sign_in(page, coordinator.email, "window garden kettle")
    expect(page.get_by_role("heading", name="Hello, Cora")).to_be_visible()


def test_skip_link_is_the_first_stop_for_keyboard_users(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_quick_exit_leaves_at_once(page, app):
    app.config["QUICK_EXIT_URL"] = "about:blank"
    page.goto("/login")
    page.get_by_role("button", name="Leave this site").click()
    page.wait_for_url("about:blank")
    assert page.url == "about:blank"


def test_pages_work_on_a_phone(phone):
    phone.goto("/login")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing forces sideways scrolling
    expect(phone.get_by_role("button", name="Leave this site")).to_be_visible()
    assert accessibility_violations(phone) == []
