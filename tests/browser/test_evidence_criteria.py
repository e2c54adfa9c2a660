"""The evidence form's criteria, grouped by unit, work from the keyboard: an achieved unit is
folded away and opens with Enter, and a criterion is chosen with Space."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.db import utcnow
from lms.extensions import db
from lms.portfolio.models import Evidence
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import assessment_setting
from tests.factories.accreditation import achieve


@pytest.fixture
def setting(app):
    setting = assessment_setting(units=2)
    setting.enrolment.enrolled_at = utcnow() - timedelta(days=30)
    achieve(db.session, setting.enrolment, setting.units[0], setting)
    return setting


def test_criteria_are_chosen_by_keyboard_in_folded_units(page, setting):
    achieved, current = setting.units
    sign_in(page, setting.trainee.email)
    page.goto(f"/portfolio/{setting.enrolment.id}/evidence/new?unit={current.id}")
    folded = page.locator(f"#criteria-unit-{achieved.id}")
    expect(folded).not_to_have_attribute("open", "")
    expect(page.locator(f"#criteria-unit-{current.id}")).to_have_attribute("open", "")
    assert accessibility_violations(page) == []

    page.get_by_label("Title").fill("Notes from a session")
    criterion = setting.criteria(achieved)[0]
    box = page.locator(f"#criteria-{criterion.id}")
    expect(box).to_be_hidden()
    folded.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(box).to_be_visible()
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    db.session.expire_all()
    evidence = db.session.scalar(select(Evidence).options(selectinload(Evidence.criteria)))
    assert evidence is not None
    assert [c.id for c in evidence.criteria] == [criterion.id]
