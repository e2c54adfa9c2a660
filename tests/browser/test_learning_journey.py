"""A trainee works through the shipped Level 3 course: finds her course, meets a content note
before a lesson, reads, marks it complete, moves on, and later continues where she left off."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts.roles import Role
from lms.curriculum import operations
from lms.curriculum.models import Course
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import PartnerFactory, member
from tests.factories.franchise import licence_whole_course


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


def test_trainee_reads_a_lesson_and_continues_later(page, enrolled_trainee):
    sign_in(page, enrolled_trainee.email)
    with page.expect_navigation():
        page.get_by_role(
            "link", name="Level 3 Certificate in Reintegrative Mentoring"
        ).first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Level 3 Certificate")
    assert accessibility_violations(page) == []

    with page.expect_navigation():
        page.get_by_role(
            "link", name="Boundaries, over-identification and looking after yourself"
        ).click()
    assert "Boundaries" in page.get_by_role("heading", level=1).inner_text()
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Boundaries that protect you both").first.click()
    # The content note comes first; nothing of the lesson is shown until she chooses.
    expect(page.get_by_role("button", name="Continue to the lesson")).to_be_visible()
    expect(page.get_by_role("link", name="Come back later")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Continue to the lesson").click()

    expect(page.get_by_role("heading", name="Boundaries that protect you both")).to_be_visible()
    expect(page.get_by_text("Six everyday boundaries").first).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_text("Marked as complete").first).to_be_visible()

    page.get_by_role("link", name="Over-identification").last.click()
    # Every lesson here carries a content note: wait for it, then for the lesson it leads to,
    # rather than reading the page while it is still loading.
    page.get_by_role("button", name="Continue to the lesson").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Over-identification")
    page.get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Your learning").first.click()
    expect(page.get_by_text("1 of 24 lessons complete")).to_be_visible()
    page.get_by_role("link", name="Continue where you left off").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Over-identification")


def test_lesson_reads_well_on_a_phone(phone, enrolled_trainee):
    sign_in(phone, enrolled_trainee.email)
    phone.get_by_role("link", name="Level 3 Certificate in Reintegrative Mentoring").first.click()
    phone.get_by_role("link", name="The role and limits of a peer mentor").click()
    phone.get_by_role("link", name="What peer mentoring is, and what it is not").first.click()
    phone.get_by_role("button", name="Continue to the lesson").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("What peer mentoring is")
    phone.wait_for_load_state("load")
    wide = phone.evaluate(
        """[...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > 375.5)
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, wide
    assert accessibility_violations(phone) == []
