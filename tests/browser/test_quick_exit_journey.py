"""The quick exit ends her session: pressing Back afterwards shows only the sign-in page, and
her pages' titles in history say nothing of what she read."""

from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts.models import AuthSession
from lms.accounts.roles import Role
from lms.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import PartnerFactory, member


def _exit_site(app, server_url: str) -> str:
    # Another origin than the site's own, as the real neutral site is.
    url = server_url.replace("127.0.0.1", "localhost") + "/healthz"
    app.config["QUICK_EXIT_URL"] = url
    return url


def _expect_only_sign_in(page) -> None:
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.title() == "Sign in \N{EN DASH} Alongside"
    assert "Tia" not in page.content()
    assert page.get_by_role("button", name="Sign out").count() == 0


def test_back_after_the_quick_exit_shows_only_the_sign_in_page(page, app, server_url):
    exit_url = _exit_site(app, server_url)
    trainee = member(PartnerFactory(), Role.TRAINEE, email="tia@example.org", display_name="Tia")
    sign_in(page, trainee.email)
    page.goto("/my/information")
    expect(page.get_by_role("heading", name="Your information")).to_be_visible()
    assert page.title() == "Alongside"  # neutral, in the tab and in history
    page.goto("/account")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()

    page.get_by_role("button", name="Leave this site").click()
    page.wait_for_url(exit_url)
    db.session.expire_all()
    ended = db.session.scalar(select(AuthSession).where(AuthSession.user_id == trainee.id))
    assert ended.revoked_reason == "quick exit"

    page.go_back()  # where "Your information" was
    _expect_only_sign_in(page)
    page.go_back()
    _expect_only_sign_in(page)


def test_escape_twice_leaves_and_ends_the_session_too(page, app, server_url):
    exit_url = _exit_site(app, server_url)
    trainee = member(PartnerFactory(), Role.TRAINEE, email="tia@example.org", display_name="Tia")
    sign_in(page, trainee.email)
    page.goto("/account")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(exit_url)
    page.go_back()
    _expect_only_sign_in(page)
