"""Someone checks a certificate by its code; an administrator revokes the award; the check
says so. The pages involved pass axe's WCAG checks."""

from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts.roles import Role
from lms.accreditation.codes import display_code
from lms.accreditation.models import Certificate, QualificationAward
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import PartnerFactory, member
from tests.factories.accreditation import complete, enrol_trainee, make_qualification, staff_for


def test_check_a_certificate_then_revoke_it(page, app, session):
    partner = PartnerFactory(name="Northside Women's Centre")
    qualification = make_qualification()
    enrolment = enrol_trainee(qualification, partner, display_name="Amira Hassan")
    complete(session, qualification, enrolment, staff_for(partner))
    admin = member(partner.franchisor, Role.ADMIN, email="admin@example.org")
    code = session.scalar(select(Certificate.verification_code))

    page.goto("/verify")
    assert accessibility_violations(page) == []
    page.get_by_label("Verification code").fill(display_code(code).lower())
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("This certificate is genuine and current")).to_be_visible()
    expect(page.get_by_text("Amira Hassan")).to_be_visible()
    assert accessibility_violations(page) == []

    sign_in(page, admin.email)
    page.goto(f"/records/{enrolment.id}")
    expect(page.get_by_role("heading", name="Learner record: Amira Hassan")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="Revoke this award").click()
    page.get_by_role("button", name="Revoke the award").click()
    expect(page.get_by_role("alert")).to_be_visible()  # the reason is needed
    page.get_by_label("Reason for revoking").fill(
        "The evidence for one unit was found not to be her own work."
    )
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Revoke the award").click()
    expect(page.get_by_text("The award has been revoked")).to_be_visible()
    page.goto(f"/verify/{code}")
    expect(page.get_by_text("This certificate has been revoked")).to_be_visible()
    assert page.get_by_text("her own work").count() == 0
    assert session.scalar(select(QualificationAward.id)) is not None


def test_the_record_works_on_a_phone(phone, session):
    partner = PartnerFactory()
    qualification = make_qualification()
    enrolment = enrol_trainee(qualification, partner, email="amira@example.org")
    complete(session, qualification, enrolment, staff_for(partner))
    sign_in(phone, "amira@example.org")
    phone.goto(f"/records/{enrolment.id}")
    expect(phone.get_by_role("heading", name="Your record")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert accessibility_violations(phone) == []
