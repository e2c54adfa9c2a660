"""Erasing a person: her personal data goes, what the awarding body must keep stays under a
pseudonym, the erasure is audited without naming her, and every chain still verifies."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accreditation.models import Certificate, QualificationAward, UnitAchievement
from lms.assessment.models import Countersignature, CriterionJudgement, Decision
from lms.audit.models import AuditEvent
from lms.ledger.checks import verify_all
from lms.ledger.erasure import erase_person
from lms.portfolio.models import Evidence, EvidenceFile, SubmittedEvidence
from lms.portfolio.storage import current_storage
from tests.factories import member

SECRET = "test-secret-key-that-is-long-enough-for-tests"


def test_erasure_removes_her_data_keeps_the_record_and_the_chains_verify(history, session):
    trainee = history.setting.trainee
    name, email = trainee.display_name, trainee.email
    files = list(
        session.scalars(select(EvidenceFile.sha256).where(EvidenceFile.owner_id == trainee.id))
    )
    assert files
    assert all(current_storage().exists(sha) for sha in files)
    admin = member(history.setting.organisation.franchisor, Role.ADMIN)
    session.commit()

    done = erase_person(session, trainee, admin, "request", secret_key=SECRET)
    # Nothing leaves the evidence store before the erasure has committed.
    assert all(current_storage().exists(sha) for sha in files)
    session.commit()
    assert not any(current_storage().exists(sha) for sha in files)

    person = session.get(User, trainee.id)
    assert person.display_name == done.pseudonym
    assert person.display_name.startswith("Former member ")
    assert person.email.endswith("@erased.example")
    assert person.password_hash is None
    assert person.is_disabled
    assert set(session.scalars(select(Evidence.title).where(Evidence.owner_id == trainee.id))) == {
        "Removed"
    }
    assert set(session.scalars(select(SubmittedEvidence.title))) == {None}
    decisions = list(session.scalars(select(Decision).order_by(Decision.id)))
    assert [d.feedback for d in decisions] == [None, None]
    assert [d.outcome.value for d in decisions] == ["referred", "signed_off"]  # kept
    assert set(session.scalars(select(CriterionJudgement.feedback))) == {None}
    assert set(session.scalars(select(CriterionJudgement.met))) == {True, False}
    assert session.scalar(select(Countersignature.comments)) is None

    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "person.erased"))
    assert event.object_id == str(trainee.id)
    assert event.detail == {"rule": "request", "erased_by": admin.id}
    written = str(event.detail)
    assert name not in written
    assert email not in written

    assert verify_all(session, SECRET) == []


def test_an_awarded_learner_keeps_her_award_without_her_name(history, session, client):
    award = history.awards[1]
    holder = session.get(User, award.user_id)
    name = holder.display_name
    admin = member(history.setting.organisation.franchisor, Role.ADMIN)
    session.commit()
    erase_person(session, holder, admin, "retention_ended", secret_key=SECRET)
    session.commit()
    assert session.get(QualificationAward, award.id).unit_codes  # the fact of the award stays
    certificate = session.scalar(select(Certificate).where(Certificate.award_id == award.id))
    assert certificate.trainee_name is None
    assert set(
        session.scalars(
            select(UnitAchievement.evidence_summary).where(UnitAchievement.user_id == holder.id)
        )
    ) == {None}
    assert set(
        session.scalars(
            select(UnitAchievement.unit_code).where(UnitAchievement.user_id == holder.id)
        )
    )
    page = client.get(f"/verify/{certificate.verification_code}").get_data(as_text=True)
    assert "This certificate is genuine and current." in page
    assert name not in page
    assert verify_all(session, SECRET) == []


def test_an_administrator_erases_a_person_through_the_page(history, session, login):
    trainee = history.setting.trainee
    slug = history.setting.organisation.slug
    admin = member(history.setting.organisation.franchisor, Role.ADMIN)
    session.commit()
    browser = login(admin)
    url = f"/organisations/{slug}/members/{trainee.id}/erase"
    page = browser.get(url)
    assert page.status_code == 200
    unconfirmed = browser.post(url, data={"rule": "request"})
    assert unconfirmed.status_code == 400
    assert "cannot be undone" in unconfirmed.get_data(as_text=True)
    done = browser.post(url, data={"rule": "request", "confirm": "y"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(User, trainee.id).email.endswith("@erased.example")
    again = browser.post(url, data={"rule": "request", "confirm": "y"})
    assert again.status_code == 400
    assert "already been erased" in again.get_data(as_text=True)
    assert verify_all(session, SECRET) == []


def test_a_coordinator_cannot_erase_anyone(history, session, login):
    coordinator = member(history.setting.organisation, Role.COORDINATOR)
    session.commit()
    response = login(coordinator).post(
        f"/organisations/{history.setting.organisation.slug}/members/"
        f"{history.setting.trainee.id}/erase",
        data={"rule": "request", "confirm": "y"},
    )
    assert response.status_code in (403, 404)
    session.expire_all()
    assert not session.get(User, history.setting.trainee.id).email.endswith("@erased.example")


def test_the_command_line_erases_under_a_rule(history, session, runner):
    email = history.setting.trainee.email
    result = runner.invoke(args=["erase", email, "--rule", "request", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Former member" in result.output
    assert runner.invoke(args=["verify"]).exit_code == 0
