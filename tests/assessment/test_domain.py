"""Judging, signing off, countersigning and sampling, without the web."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import capabilities
from lms.accounts.roles import Role
from lms.assessment import achievements, operations
from lms.assessment.models import Decision, IqaSample, Outcome, SampleReason, SampleStatus
from lms.assessment.operations import Verdict
from lms.assessment.unit_status import UnitStatus, unit_standing
from lms.capabilities import Capability
from lms.curriculum.models import CohortRole
from lms.curriculum.usage import unit_in_use
from lms.db import AppendOnlyError
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.notifications.models import Notification
from lms.portfolio import operations as portfolio
from lms.portfolio.models import SubmissionStatus, SubmittedEvidence
from tests.factories import (
    CohortStaffFactory,
    PartnerFactory,
    add_evidence,
    assessment_setting,
    course_with_content,
    member,
)


@pytest.fixture
def setting(app):
    return assessment_setting()


def submit(setting, unit=None):
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, unit or setting.unit, declaration_confirmed=True
    )
    db.session.commit()
    return submission


def all_met(setting, met=True):
    return {c.id: Verdict(met, "Clear and thoughtful.") for c in setting.criteria()}


def plan(setting, percentage=0, first=0):
    operations.save_sampling_plan(
        db.session,
        setting.organisation.id,
        setting.iqa,
        percentage=percentage,
        first_decisions=first,
    )
    db.session.commit()


def sign_off(setting, submission, assessor=None):
    decision = operations.judge(
        db.session,
        submission,
        assessor or setting.assessor,
        expected_version=submission.state_version,
        outcome=Outcome.SIGNED_OFF,
        verdicts=all_met(setting),
        feedback="Well evidenced.",
    )
    db.session.commit()
    return decision


def test_the_whole_journey_ends_with_an_achieved_unit(setting, outbox, deliver):
    heard = []
    listener = Capability("heard", hooks={"unit_achieved": (lambda _, f: heard.append(f),)})
    with capabilities.extended(listener):
        criteria = setting.criteria()
        add_evidence(setting, criteria[:2], title="My first session")
        first = submit(setting)
        assert first.status == SubmissionStatus.SUBMITTED
        assert outbox == []  # nothing leaves before the transaction commits
        db.session.commit()
        deliver()
        # She is told it arrived; her assessor that it waits.
        assert sorted(m.to[0] for m in outbox) == sorted(
            [setting.trainee.email, setting.assessor.email]
        )

        verdicts = all_met(setting)
        verdicts[criteria[2].id] = Verdict(False, "Tell me more about how you ended the session.")
        operations.judge(
            db.session,
            first,
            setting.assessor,
            expected_version=first.state_version,
            outcome=Outcome.REFERRED,
            verdicts=verdicts,
            actions="Add an account of how you ended the session.",
        )
        db.session.commit()
        assert first.status == SubmissionStatus.REFERRED
        sent_before = len(outbox)
        deliver()
        # She is told; so is the IQA, of a new assessor's first decision to check.
        assert sorted(m.to[0] for m in outbox[sent_before:]) == sorted(
            [setting.trainee.email, setting.iqa.email]
        )

        add_evidence(setting, criteria[2:], title="Ending well")
        second = submit(setting)
        assert second.number == 2
        decision = sign_off(setting, second)
        # The assessor's first decisions are always sampled: the unit waits for the IQA.
        assert second.status == SubmissionStatus.AWAITING_IQA
        assert achievements.unit_achieved(db.session, setting.enrolment, setting.unit) is None
        assert heard == []

        sample = db.session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
        assert sample.reason == SampleReason.NEW_ASSESSOR
        operations.review_sample(db.session, sample, setting.iqa, agrees=True)
        db.session.commit()
        assert second.status == SubmissionStatus.ACHIEVED

        facts = achievements.unit_achieved(db.session, setting.enrolment, setting.unit)
        assert facts.decision_id == decision.id
        assert facts.assessor_id == setting.assessor.id
        assert facts.countersigned_by == (setting.iqa.id,)
        assert set(facts.criterion_ids) == {c.id for c in criteria}
        assert len(facts.evidence) == 2
        assert all(len(e["sha256"][0]) == 64 for e in facts.evidence)
        assert heard == [facts]


def test_a_decision_is_signed_with_the_evidence_hashes(setting):
    plan(setting)
    evidence = add_evidence(setting, setting.criteria())
    submission = submit(setting)
    decision = sign_off(setting, submission)
    stored = db.session.scalar(
        select(SubmittedEvidence).where(SubmittedEvidence.submission_id == submission.id)
    )
    content = decision.signed_content
    assert content["assessor_id"] == setting.assessor.id
    assert content["evidence"][0]["evidence_id"] == evidence.id
    assert content["evidence"][0]["sha256"] == [stored.files[0]["sha256"]]
    assert set(content["criteria"].values()) == {True}
    assert len(decision.signature) == 64
    assert submission.status == SubmissionStatus.ACHIEVED


def test_sign_off_is_refused_while_a_criterion_is_unmet(setting):
    add_evidence(setting, setting.criteria())
    submission = submit(setting)
    verdicts = all_met(setting)
    verdicts[setting.criteria()[1].id] = Verdict(False, "Not yet.")
    with pytest.raises(DomainError, match=r"not yet met: 1\.2"):
        operations.judge(
            db.session,
            submission,
            setting.assessor,
            expected_version=submission.state_version,
            outcome=Outcome.SIGNED_OFF,
            verdicts=verdicts,
        )
    db.session.rollback()
    assert db.session.scalars(select(Decision)).all() == []
    assert submission.status == SubmissionStatus.SUBMITTED


def test_sign_off_needs_submitted_evidence_for_every_criterion(setting):
    add_evidence(setting, setting.criteria()[:3])
    submission = submit(setting)
    with pytest.raises(DomainError, match=r"No submitted evidence covers 2\.2"):
        operations.judge(
            db.session,
            submission,
            setting.assessor,
            expected_version=submission.state_version,
            outcome=Outcome.SIGNED_OFF,
            verdicts=all_met(setting),
        )


def test_every_criterion_must_be_judged_and_a_referral_needs_actions(setting):
    add_evidence(setting, setting.criteria())
    submission = submit(setting)
    with pytest.raises(DomainError, match=r"still to do: 1\.1"):
        operations.judge(
            db.session,
            submission,
            setting.assessor,
            expected_version=1,
            outcome=Outcome.REFERRED,
            verdicts={},
            actions="More",
        )
    with pytest.raises(DomainError, match="what the trainee should do next"):
        operations.judge(
            db.session,
            submission,
            setting.assessor,
            expected_version=1,
            outcome=Outcome.REFERRED,
            verdicts=all_met(setting, False),
        )


def test_a_unit_with_an_unpassed_quiz_cannot_be_signed_off(setting, monkeypatch):
    plan(setting)
    add_evidence(setting, setting.criteria())
    setting.unit.quiz_ref = "u-knowledge-check"
    db.session.commit()
    submission = submit(setting)
    monkeypatch.setattr(achievements, "quiz_passed", lambda session, enrolment, unit: False)
    with pytest.raises(DomainError, match="quiz has not been passed"):
        sign_off(setting, submission)


def test_the_units_quiz_must_be_passed_before_sign_off(setting):
    from lms.db import utcnow
    from lms.quizzes.models import QuizAttempt
    from tests.factories import quiz_for_unit

    assert achievements.quiz_check_available()
    plan(setting)
    add_evidence(setting, setting.criteria())
    quiz = quiz_for_unit(setting.unit)
    db.session.commit()
    submission = submit(setting)
    with pytest.raises(DomainError, match="quiz has not been passed"):
        sign_off(setting, submission)
    db.session.rollback()
    db.session.add(
        QuizAttempt(
            quiz_id=quiz.id,
            quiz_slug=quiz.slug,
            user_id=setting.trainee.id,
            enrolment_id=setting.enrolment.id,
            number=1,
            seed=1,
            paper={},
            paper_key={},
            submitted_at=utcnow(),
            graded_at=utcnow(),
            passed=True,
        )
    )
    db.session.commit()
    sign_off(setting, submission)
    assert submission.status == SubmissionStatus.ACHIEVED


def test_a_unit_without_a_quiz_is_not_held_back(setting):
    assert setting.unit.quiz_ref is None
    assert achievements.quiz_passed(db.session, setting.enrolment, setting.unit)


def test_two_assessors_at_once_make_one_decision(setting):
    plan(setting)
    second_assessor = member(setting.organisation, Role.ASSESSOR)
    CohortStaffFactory(cohort=setting.cohort, user=second_assessor, role=CohortRole.ASSESSOR)
    add_evidence(setting, setting.criteria())
    submission = submit(setting)
    engine = db.engine
    with Session(engine) as first, Session(engine) as second:
        mine = first.get(type(submission), submission.id)
        theirs = second.get(type(submission), submission.id)
        seen = theirs.state_version
        operations.judge(
            first,
            mine,
            first.merge(setting.assessor),
            expected_version=mine.state_version,
            outcome=Outcome.SIGNED_OFF,
            verdicts=all_met(setting),
        )
        first.commit()
        with pytest.raises(Conflict, match="Someone else has just acted"):
            operations.judge(
                second,
                theirs,
                second.merge(second_assessor),
                expected_version=seen,
                outcome=Outcome.REFERRED,
                verdicts=all_met(setting, False),
                actions="Please add more.",
            )
        second.rollback()
    decisions = db.session.scalars(select(Decision)).all()
    assert [d.assessor_id for d in decisions] == [setting.assessor.id]


def test_the_database_refuses_a_stale_state_even_when_memory_agrees(setting):
    add_evidence(setting, setting.criteria())
    submission = submit(setting)
    with Session(db.engine) as other:
        stale = other.get(type(submission), submission.id)
        sign_off(setting, submission)
        assert stale.state_version == 1
        assert stale.status == SubmissionStatus.SUBMITTED
        with pytest.raises(Conflict):
            operations._move(
                other,
                stale,
                expected_version=1,
                from_statuses=(SubmissionStatus.SUBMITTED,),
                to=SubmissionStatus.REFERRED,
            )


def test_an_iqa_cannot_countersign_their_own_decision(setting):
    member_iqa = setting.iqa
    from tests.factories import MembershipFactory

    MembershipFactory(user=member_iqa, organisation=setting.organisation, role=Role.ASSESSOR)
    CohortStaffFactory(cohort=setting.cohort, user=member_iqa, role=CohortRole.ASSESSOR)
    add_evidence(setting, setting.criteria())
    submission = submit(setting)
    decision = sign_off(setting, submission, assessor=member_iqa)
    sample = db.session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
    with pytest.raises(DomainError, match="made this decision yourself"):
        operations.review_sample(db.session, sample, member_iqa, agrees=True)
    assert submission.status == SubmissionStatus.AWAITING_IQA


def test_an_iqa_disagreement_returns_the_decision_to_its_assessor(setting, outbox, deliver):
    add_evidence(setting, setting.criteria())
    submission = submit(setting)
    decision = sign_off(setting, submission)
    sample = db.session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
    with pytest.raises(DomainError, match="give your reasons"):
        operations.review_sample(db.session, sample, setting.iqa, agrees=False)
    operations.review_sample(
        db.session, sample, setting.iqa, agrees=False, comments="1.2 is thin: look again."
    )
    db.session.commit()
    assert sample.status == SampleStatus.DISAGREED
    assert submission.status == SubmissionStatus.SUBMITTED
    deliver()
    # Both are told what happens next (in the app; their e-mails ask them to sign in); her
    # unit does not quietly go back to "waiting".
    told = {message.to[0] for message in outbox[-2:]}
    assert told == {setting.assessor.email, setting.trainee.email}
    texts = {
        n.user_id: n.message
        for n in db.session.scalars(
            select(Notification).where(
                Notification.kind.in_(["decision.returned", "sign_off.returned"])
            )
        )
    }
    assert "back in your assessment queue" in texts[setting.assessor.id]
    assert "back with your assessor" in texts[setting.trainee.id]
    assert "you do not need to do anything now" in texts[setting.trainee.id]
    standing = unit_standing(db.session, setting.enrolment.id, setting.unit.id)
    assert standing.status == UnitStatus.LOOKED_AT_AGAIN
    # The assessor decides again: a new decision that corrects the first.
    plan(setting)
    again = sign_off(setting, submission)
    assert again.corrects_id == decision.id
    assert submission.status == SubmissionStatus.ACHIEVED


def test_a_trainee_assessor_needs_a_qualified_countersignature(setting):
    plan(setting)
    learner_assessor = member(setting.organisation, Role.ASSESSOR)
    CohortStaffFactory(cohort=setting.cohort, user=learner_assessor, role=CohortRole.ASSESSOR)
    operations.set_trainee_assessor(
        db.session, learner_assessor, setting.organisation.id, trainee=True
    )
    add_evidence(setting, setting.criteria())
    submission = submit(setting)
    decision = sign_off(setting, submission, assessor=learner_assessor)
    assert decision.by_trainee_assessor
    assert submission.status == SubmissionStatus.AWAITING_COUNTERSIGN
    assert achievements.unit_achieved(db.session, setting.enrolment, setting.unit) is None

    with pytest.raises(DomainError, match="someone other than its assessor"):
        operations.countersign_as_assessor(
            db.session, decision, learner_assessor, expected_version=2, agrees=True
        )
    operations.countersign_as_assessor(
        db.session, decision, setting.assessor, expected_version=2, agrees=True
    )
    db.session.commit()
    assert submission.status == SubmissionStatus.ACHIEVED
    facts = achievements.unit_achieved(db.session, setting.enrolment, setting.unit)
    assert facts.countersigned_by == (setting.assessor.id,)


def test_the_sampling_plan_takes_every_first_decision_then_an_even_share(setting):
    plan(setting, percentage=25, first=2)
    reasons = []
    for index in range(10):
        trainee = member(setting.organisation, Role.TRAINEE)
        from tests.factories import EnrolmentFactory

        enrolment = EnrolmentFactory(
            user=trainee,
            course=setting.course,
            organisation=setting.organisation,
            cohort=setting.cohort,
        )
        add_evidence(enrolment, setting.criteria(), title=f"Evidence {index}")
        submission = portfolio.submit_unit(
            db.session, enrolment, setting.unit, declaration_confirmed=True
        )
        decision = operations.judge(
            db.session,
            submission,
            setting.assessor,
            expected_version=1,
            outcome=Outcome.REFERRED,
            verdicts=all_met(setting, False),
            actions="More please.",
        )
        db.session.commit()
        sample = db.session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
        reasons.append(sample.reason.value if sample else None)
    assert reasons == [
        "new_assessor",
        "new_assessor",
        None,
        None,
        None,
        "plan",
        None,
        None,
        None,
        "plan",
    ]


def test_decisions_and_submitted_evidence_are_append_only(setting):
    plan(setting)
    evidence = add_evidence(setting, setting.criteria())
    submission = submit(setting)
    decision = sign_off(setting, submission)
    item = db.session.scalar(select(SubmittedEvidence))
    # Changing the draft afterwards leaves what was submitted exactly as it was.
    portfolio.update_evidence(
        db.session,
        evidence,
        setting.enrolment,
        title="A new title",
        evidence_type="other",
        description="Changed later",
        criterion_ids=[c.id for c in setting.criteria()],
    )
    db.session.commit()
    db.session.refresh(item)
    assert item.title == "Reflective account of a first session"
    assert item.evidence_version == 2
    assert evidence.version == 3
    decision.feedback = "rewritten"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    item.title = "tampered"
    with pytest.raises(AppendOnlyError):
        db.session.flush()


def test_evidence_cannot_claim_criteria_outside_the_course(setting):
    other_course = course_with_content(units=1)
    from lms.curriculum.models import AssessmentCriterion, CourseUnit

    foreign = db.session.scalar(
        select(AssessmentCriterion)
        .join(CourseUnit, CourseUnit.unit_id == AssessmentCriterion.unit_id)
        .where(CourseUnit.course_id == other_course.id)
    )
    with pytest.raises(DomainError, match="not part of the course"):
        add_evidence(setting, [setting.criteria()[0], foreign])
    db.session.rollback()
    assert db.session.scalars(select(SubmittedEvidence)).all() == []


def test_evidence_may_span_units(setting):
    spanning = [setting.criteria(setting.units[0])[0], setting.criteria(setting.units[1])[0]]
    evidence = add_evidence(setting, spanning)
    assert {
        e.id for e in portfolio.evidence_for_unit(db.session, setting.enrolment, setting.units[1])
    } == {evidence.id}


def test_submitting_needs_a_declaration_evidence_and_no_open_submission(setting):
    with pytest.raises(DomainError, match="confirm that this work is your own"):
        portfolio.submit_unit(
            db.session, setting.enrolment, setting.unit, declaration_confirmed=False
        )
    with pytest.raises(DomainError, match="add some evidence"):
        portfolio.submit_unit(
            db.session, setting.enrolment, setting.unit, declaration_confirmed=True
        )
    add_evidence(setting, setting.criteria())
    submit(setting)
    with pytest.raises(DomainError, match="already with an assessor"):
        portfolio.submit_unit(
            db.session, setting.enrolment, setting.unit, declaration_confirmed=True
        )


def test_units_with_evidence_are_in_use_for_the_curriculum(setting):
    assert not unit_in_use(db.session, setting.unit)
    add_evidence(setting, setting.criteria()[:1])
    assert unit_in_use(db.session, setting.unit)
    assert not unit_in_use(db.session, setting.units[1])


def test_the_franchisors_iqa_reviews_partners_decisions(app):
    partner = PartnerFactory()
    setting = assessment_setting(partner)
    franchise_iqa = member(partner.franchisor, Role.IQA)
    add_evidence(setting, setting.criteria())
    submission = submit(setting)
    decision = sign_off(setting, submission)
    from lms.permissions import can

    assert can(franchise_iqa, "iqa.review", decision)
    outsider = member(PartnerFactory(), Role.IQA)
    assert not can(outsider, "iqa.review", decision)
