"""A trainee takes a quiz in a real browser: answers save themselves as she goes (with the
CSRF token), survive a reload, and the pages pass automated accessibility checks."""

import pytest
from playwright.sync_api import expect

from lms.accounts.roles import Role
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import (
    CohortFactory,
    CourseFactory,
    CourseUnitFactory,
    EnrolmentFactory,
    PartnerFactory,
    UnitFactory,
    member,
    quiz_for_unit,
)


@pytest.fixture
def config_overrides():
    return {"SERVER_NAME": None, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def trainee_with_quiz(app):
    partner = PartnerFactory()
    course = CourseFactory()
    unit = UnitFactory(code="RM301")
    CourseUnitFactory(course=course, unit=unit)
    quiz = quiz_for_unit(unit, time_limit_minutes=30)
    trainee = member(partner, Role.TRAINEE, email="tia@example.org", display_name="Tia")
    EnrolmentFactory(
        user=trainee,
        course=course,
        organisation=partner,
        cohort=CohortFactory(organisation=partner, course=course),
    )
    return trainee, quiz


def test_answers_save_themselves_and_survive_a_reload(page, trainee_with_quiz):
    trainee, quiz = trainee_with_quiz
    sign_in(page, trainee.email)
    page.goto(f"/quizzes/{quiz.slug}")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_text("0 of 7 questions answered")).to_be_visible()
    assert accessibility_violations(page) == []

    with page.expect_navigation():
        page.get_by_role("link", name="What is the main purpose of a peer mentor?").click()
    assert accessibility_violations(page) == []
    page.get_by_label("To walk alongside her").check()
    status = page.locator("[data-autosave-status]")
    status.get_by_text("Saved at").wait_for(timeout=30_000)
    page.reload()
    assert page.get_by_label("To walk alongside her").is_checked()

    page.get_by_role("link", name="All questions and handing in").click()
    page.get_by_role("link", name="What are regular reflective meetings called?").click()
    page.get_by_label("What are regular reflective meetings called?").fill("Supervision")
    # Typing saves after a pause; a busy machine may take longer than the default wait.
    status.get_by_text("Saved at").wait_for(timeout=30_000)
    page.get_by_role("link", name="All questions and handing in").click()
    expect(page.get_by_text("2 of 7 questions answered")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Match each need with a service.").click()
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="Previous question").click()
    expect(page.get_by_role("heading", name="Question 4 of 7")).to_be_visible()
    page.get_by_role("link", name="All questions and handing in").click()
    page.get_by_role("button", name="Hand in my answers").click()
    expect(page.get_by_text("2 of 9 points")).to_be_visible()
    assert accessibility_violations(page) == []


def test_an_answer_given_before_the_page_script_runs_is_still_saved(page, trainee_with_quiz):
    trainee, quiz = trainee_with_quiz
    sign_in(page, trainee.email)
    page.goto(f"/quizzes/{quiz.slug}")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_text("0 of 7 questions answered")).to_be_visible()
    question = page.get_by_role("link", name="What are regular reflective meetings called?")
    question_url = question.get_attribute("href")

    # Hold the page's script back until she has typed, as a slow connection would.
    held = []
    page.route("**/js/quiz.js", lambda route: held.append(route))
    page.goto(question_url, wait_until="commit")
    page.get_by_label("What are regular reflective meetings called?").fill("Supervision")
    page.wait_for_timeout(0)
    assert len(held) == 1
    held[0].continue_()
    page.unroute("**/js/quiz.js")

    page.locator("[data-autosave-status]").get_by_text("Saved at").wait_for(timeout=30_000)
    page.goto(question_url)
    expect(page.get_by_label("What are regular reflective meetings called?")).to_have_value(
        "Supervision"
    )


def test_question_pages_work_on_a_phone(phone, trainee_with_quiz):
    trainee, quiz = trainee_with_quiz
    sign_in(phone, trainee.email)
    phone.goto(f"/quizzes/{quiz.slug}")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Start the quiz").click()
    with phone.expect_navigation():
        phone.get_by_role("link", name="Put these responses in order.").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert accessibility_violations(phone) == []
