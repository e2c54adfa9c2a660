"""From recorded unit achievements to an award, certificate and credential (domain level)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accreditation import queries
from lms.accreditation.issuing import IssuingContext
from lms.accreditation.models import (
    Certificate,
    IssuedCredential,
    QualificationAward,
    UnitAchievement,
)
from lms.accreditation.operations import (
    evaluate_enrolment,
    issue_award,
    record_unit_achievement,
    revoke_award,
)
from lms.audit.models import AuditEvent
from lms.curriculum.models import EnrolmentStatus
from lms.db import AppendOnlyError, utcnow
from lms.errors import DomainError
from tests.factories import PartnerFactory, member
from tests.factories.accreditation import (
    achieve,
    complete,
    enrol_trainee,
    make_qualification,
    staff_for,
)


@pytest.fixture
def setting(session):
    partner = PartnerFactory(name="Northside Women's Centre")
    qualification = make_qualification()
    staff = staff_for(partner)
    enrolment = enrol_trainee(qualification, partner, display_name="Amira Hassan")
    return partner, qualification, staff, enrolment


def test_the_record_says_what_is_still_needed(session, setting):
    _, qualification, staff, enrolment = setting
    result = evaluate_enrolment(session, enrolment)
    assert not result.met
    assert "Unit A1 (mandatory)" in result.still_needed

    achieve(session, enrolment, qualification.units["A1"], staff)
    achieve(session, enrolment, qualification.units["A2"], staff)
    result = evaluate_enrolment(session, enrolment)
    assert not result.met
    assert result.credits == 6
    assert result.still_needed == [
        "2 more optional credits, from group B",
        "2 more credits in total",
    ]
    assert session.scalar(select(func.count(QualificationAward.id))) == 0


def test_meeting_the_rules_awards_the_qualification_automatically(session, setting):
    partner, qualification, staff, enrolment = setting
    complete(session, qualification, enrolment, staff)

    award = session.scalar(select(QualificationAward))
    assert award is not None
    assert award.enrolment_id == enrolment.id
    assert award.credits == 8
    assert sorted(award.unit_codes) == ["A1", "A2", "B1"]
    session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ACHIEVED
    assert enrolment.achieved_at == award.awarded_at

    certificate = session.scalar(select(Certificate))
    assert certificate.award_id == award.id
    assert certificate.trainee_name == "Amira Hassan"
    assert certificate.issuer_name == "Northside Women's Centre"
    assert certificate.franchisor_name == partner.franchisor.name
    assert len(certificate.verification_code) == 12
    assert [u["code"] for u in certificate.units] == ["A1", "A2", "B1"]

    credentials = session.scalars(select(IssuedCredential)).all()
    # Three unit badges and the qualification.
    assert len(credentials) == 4
    qualification_credential = next(c for c in credentials if c.award_id == award.id)
    achievement = qualification_credential.credential["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["humanCode"] == qualification.course.code
    assert {a["targetCode"] for a in achievement["alignment"]} >= {"A1/1", "A1/2", "B1/2"}
    assert len({c.status_index for c in credentials}) == 4

    actions = set(session.scalars(select(AuditEvent.action)))
    assert {
        "accreditation.unit_recorded",
        "accreditation.credential_issued",
        "accreditation.awarded",
        "accreditation.certificate_issued",
        "accreditation.key_created",
    } <= actions


def test_the_issued_credential_verifies(app, session, setting):
    _, qualification, staff, enrolment = setting
    complete(session, qualification, enrolment, staff)
    issued = session.scalar(select(IssuedCredential).where(IssuedCredential.award_id.is_not(None)))
    verdict = queries.verify_submission(session, issued.jwt, IssuingContext.from_app())
    assert verdict.verified, verdict.problems
    assert verdict.recipient_name == "Amira Hassan"


def test_issuing_for_an_incomplete_record_is_refused(session, setting):
    _, qualification, staff, enrolment = setting
    achieve(session, enrolment, qualification.units["A1"], staff)
    with pytest.raises(DomainError, match="does not yet meet") as refused:
        issue_award(session, enrolment)
    assert "Unit A2 (mandatory)" in refused.value.message


def test_awarding_twice_is_refused(session, setting):
    _, qualification, staff, enrolment = setting
    complete(session, qualification, enrolment, staff)
    with pytest.raises(DomainError, match="already awarded"):
        issue_award(session, enrolment)


def test_recording_the_same_unit_twice_keeps_one_record(session, setting):
    _, qualification, staff, enrolment = setting
    first = achieve(session, enrolment, qualification.units["A1"], staff)
    again = achieve(session, enrolment, qualification.units["A1"], staff, days_ago=0)
    assert again.id == first.id
    assert session.scalar(select(func.count(UnitAchievement.id))) == 1
    assert session.scalar(select(func.count(IssuedCredential.id))) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"signed_off_at": utcnow() + timedelta(days=2)}, "cannot be in the future"),
        ({"signed_off_at": utcnow().replace(tzinfo=None)}, "time zone"),
        ({"countersigned_at": utcnow()}, "both the quality assurer and the date"),
        ({"signed_off_at": utcnow() - timedelta(days=365)}, "before the trainee enrolled"),
    ],
)
def test_implausible_sign_offs_are_refused(session, setting, changes, message):
    _, qualification, staff, enrolment = setting
    arguments = {"signed_off_by": staff.assessor, "signed_off_at": utcnow()} | changes
    with pytest.raises(DomainError, match=message):
        record_unit_achievement(session, enrolment, qualification.units["A1"], **arguments)


def test_a_unit_from_another_course_is_refused(session, setting):
    _, _, staff, enrolment = setting
    other = make_qualification(prefix="X")
    with pytest.raises(DomainError, match="not part of"):
        record_unit_achievement(
            session,
            enrolment,
            other.units["A1"],
            signed_off_by=staff.assessor,
            signed_off_at=utcnow(),
        )


def test_a_trainee_cannot_sign_off_her_own_unit(session, setting):
    _, qualification, _, enrolment = setting
    trainee = session.get(User, enrolment.user_id)
    with pytest.raises(DomainError, match="her own unit"):
        record_unit_achievement(
            session,
            enrolment,
            qualification.units["A1"],
            signed_off_by=trainee,
            signed_off_at=utcnow(),
        )


def test_revocation_is_recorded_once(session, setting):
    partner, qualification, staff, enrolment = setting
    complete(session, qualification, enrolment, staff)
    award = session.scalar(select(QualificationAward))
    admin = member(partner.franchisor, Role.ADMIN)
    with pytest.raises(DomainError, match="reason"):
        revoke_award(session, award, revoked_by=admin, reason="no")
    revocation = revoke_award(
        session, award, revoked_by=admin, reason="Evidence for unit A2 was not her own work."
    )
    session.commit()
    assert revocation.revoked_by_id == admin.id
    with pytest.raises(DomainError, match="already revoked"):
        revoke_award(session, award, revoked_by=admin, reason="Second time, same award.")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "accreditation.revoked"))
    assert event.detail["reason"].startswith("Evidence for unit A2")


def test_awards_cannot_be_edited(session, setting):
    _, qualification, staff, enrolment = setting
    complete(session, qualification, enrolment, staff)
    award = session.scalar(select(QualificationAward))
    award.credits = 99
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()


def test_production_needs_a_public_address_for_certificates(app):
    from lms.config import ConfigError

    app.config.update(ENVIRONMENT="production", SERVER_NAME=None, PUBLIC_BASE_URL="")
    with (
        app.test_request_context(base_url="http://evil.example"),
        pytest.raises(ConfigError, match="PUBLIC_BASE_URL"),
    ):
        IssuingContext.from_app()
    app.config["PUBLIC_BASE_URL"] = "https://alongside.example.org"
    with app.app_context():
        context = IssuingContext.from_app()
    assert context.verify_url("ABCD2345EFGH") == "https://alongside.example.org/verify/ABCD2345EFGH"


SUBSETS = [
    codes for size in range(5) for codes in itertools.combinations(("A1", "A2", "B1", "B2"), size)
]


@pytest.mark.parametrize("codes", SUBSETS, ids=lambda codes: "+".join(codes) or "none")
def test_an_award_is_made_exactly_when_the_rules_are_met(session, codes):
    partner = PartnerFactory()
    qualification = make_qualification()
    staff = staff_for(partner)
    enrolment = enrol_trainee(qualification, partner)
    for code in codes:
        achieve(session, enrolment, qualification.units[code], staff)
    # Both mandatory units, and either optional unit (B2 is level 2, but 6 level-3 credits
    # from the mandatory units are enough).
    expected = {"A1", "A2"} <= set(codes) and bool({"B1", "B2"} & set(codes))
    awarded = session.scalar(
        select(QualificationAward).where(QualificationAward.enrolment_id == enrolment.id)
    )
    assert (awarded is not None) == expected == evaluate_enrolment(session, enrolment).met
    if awarded is not None:
        # Awarded the moment the rules were met: a unit recorded later is not in the award.
        assert awarded.credits == 8
        assert len(awarded.unit_codes) == 3
