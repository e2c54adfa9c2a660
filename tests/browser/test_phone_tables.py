"""On a phone (390 by 844) the course page's units table becomes cards: nothing runs off the
side, and each unit's progress is on screen under its label."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts.roles import Role
from lms.curriculum import operations
from lms.curriculum.models import Course
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import PartnerFactory, assessment_setting, member
from tests.factories.franchise import licence_whole_course

WIDTH, HEIGHT = 390, 844


@pytest.fixture
def phone_390(playwright_browser, server_url):
    context = playwright_browser.new_context(
        base_url=server_url,
        viewport={"width": WIDTH, "height": HEIGHT},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def enrolled_trainee(app, session):
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    partner = PartnerFactory(name="Northside Women's Centre")
    trainee = member(partner, Role.TRAINEE, email="amira@example.org", display_name="Amira")
    course = session.scalar(select(Course).where(Course.code == "ALRM3"))
    licence_whole_course(partner, course)
    operations.enrol(session, trainee, course, partner)
    session.commit()
    return trainee


def test_the_course_page_fits_a_phone_with_progress_on_screen(phone_390, enrolled_trainee):
    page = phone_390
    sign_in(page, enrolled_trainee.email)
    with page.expect_navigation():
        page.get_by_role(
            "link", name="Level 3 Certificate in Reintegrative Mentoring"
        ).first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Level 3 Certificate")

    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    table = page.locator("table.unit-table")
    # Nothing hides off the side inside the table's scrolling box either.
    assert page.locator(".table-wrap", has=table).evaluate(
        "wrap => wrap.scrollWidth <= wrap.clientWidth && wrap.scrollLeft === 0"
    )
    progress = table.get_by_text("lessons complete").first
    expect(progress).to_be_visible()
    box = progress.bounding_box()  # not scrolled to: where it sits
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= WIDTH
    label = table.locator("td[data-label='Progress']").first.evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Progress"'
    assert accessibility_violations(page) == []


def test_the_course_page_keeps_its_table_on_a_wide_screen(page, enrolled_trainee):
    sign_in(page, enrolled_trainee.email)
    with page.expect_navigation():
        page.get_by_role(
            "link", name="Level 3 Certificate in Reintegrative Mentoring"
        ).first.click()
    table = page.locator("table.unit-table")
    expect(table.get_by_role("columnheader", name="Progress")).to_be_visible()
    assert table.evaluate("t => getComputedStyle(t).display") == "table"


def test_a_portfolio_unit_fits_a_phone(phone_390, app):
    setting = assessment_setting()
    page = phone_390
    sign_in(page, setting.trainee.email)
    page.goto(f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    status = page.locator("td[data-label='Status']").first
    expect(status).to_be_visible()
    box = status.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= WIDTH
    assert accessibility_violations(page) == []
