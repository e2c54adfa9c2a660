"""Who is told what, event by event, through the domain functions where each happens: the
notification for the right person, of the right kind, with its text, and an e-mail that says
only that something is waiting (under a neutral subject), in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts.roles import Role
from lms.accreditation.models import QualificationAward
from lms.accreditation.operations import revoke_award
from lms.assessment import operations as assessment
from lms.assessment import quality
from lms.assessment.models import IqaSample, Outcome
from lms.assessment.operations import Verdict
from lms.curriculum.models import CohortRole
from lms.db import clock_at, utcnow
from lms.franchise import notices as franchise_notices
from lms.mail.models import OutboxMessage
from lms.notifications.models import Notification
from lms.notifications.operations import text_of
from lms.portfolio import operations as portfolio
from lms.practice import notices as practice_notices
from lms.practice import operations as practice
from lms.privacy.wording import revealing_words
from tests.factories import (
    CohortStaffFactory,
    FranchisorFactory,
    PartnerFactory,
    add_evidence,
    assessment_setting,
    enrol_new_trainee,
    licensed_partner,
    member,
)
from tests.factories.accreditation import complete, enrol_trainee, make_qualification, staff_for


def told(session, user, kind: str) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == kind)
            .order_by(Notification.id)
        )
    )


def mails_to(session, user) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == user.email)
            .order_by(OutboxMessage.id)
        )
    )


def assert_neutral(message: OutboxMessage, *private: str) -> None:
    assert revealing_words(message.subject) == []
    for text in private:
        assert text not in message.subject
        assert text not in message.body_text
        assert text not in message.body_html
    assert "sign in" in message.body_text.lower()
    assert message.body_html.startswith("<!doctype html>")


@pytest.fixture
def setting(session):
    setting = assessment_setting()
    add_evidence(setting, setting.criteria())
    session.commit()
    return setting


def _submit(session, setting, unit=None):
    submission = portfolio.submit_unit(
        session, setting.enrolment, unit or setting.unit, declaration_confirmed=True
    )
    session.commit()
    return submission


def _judge(session, setting, submission, outcome=Outcome.SIGNED_OFF, assessor=None):
    met = outcome == Outcome.SIGNED_OFF
    decision = assessment.judge(
        session,
        submission,
        assessor or setting.assessor,
        expected_version=submission.state_version,
        outcome=outcome,
        verdicts={c.id: Verdict(met, "") for c in setting.criteria()},
        actions="" if met else "Add an example of an ending.",
    )
    session.commit()
    return decision


def _no_sampling(session, setting):
    assessment.save_sampling_plan(
        session, setting.organisation.id, setting.iqa, percentage=0, first_decisions=0
    )
    session.commit()


# --- submissions and decisions -----------------------------------------------------------------


def test_a_submission_tells_her_it_arrived_and_the_assessor_it_waits(session, setting):
    submission = _submit(session, setting)
    [hers] = told(session, setting.trainee, "submission.received")
    assert text_of(hers) == (
        f"Your submission of {setting.unit.code} has arrived. Your assessor will look at it "
        "and let you know."
    )
    assert hers.url.endswith(f"/submissions/{submission.id}")
    [theirs] = told(session, setting.assessor, "submission.arrived")
    assert "is waiting in your assessment queue" in text_of(theirs)
    assert theirs.url == f"/assessment/submissions/{submission.id}"
    [mail] = mails_to(session, setting.assessor)
    assert mail.subject == "Something is waiting for you"
    assert_neutral(mail, setting.unit.code, setting.trainee.display_name)


def test_a_resubmission_is_told_as_one(session, setting):
    _no_sampling(session, setting)
    _judge(session, setting, _submit(session, setting), Outcome.REFERRED)
    [referred] = told(session, setting.trainee, "submission.referred")
    assert "suggested next steps" in text_of(referred)
    _submit(session, setting)
    assert len(told(session, setting.assessor, "submission.arrived")) == 1
    [again] = told(session, setting.assessor, "submission.resubmitted")
    assert f"A resubmission for {setting.unit.code}" in text_of(again)


def test_a_final_sign_off_tells_her_the_unit_is_achieved(session, setting):
    _no_sampling(session, setting)
    _judge(session, setting, _submit(session, setting))
    [achieved] = told(session, setting.trainee, "unit.achieved")
    assert "the unit is achieved and on your record" in text_of(achieved)
    assert told(session, setting.iqa, "sample.new") == []
    mail = mails_to(session, setting.trainee)[-1]
    assert mail.subject == "You have a new message"
    assert_neutral(mail, setting.unit.code, "achieved")


def test_a_sampled_sign_off_waits_for_the_iqa_who_is_told(session, setting):
    submission = _submit(session, setting)
    _judge(session, setting, submission)
    [judged] = told(session, setting.trainee, "submission.judged")
    assert "it is being checked before it is final" in text_of(judged)
    [sampled] = told(session, setting.iqa, "sample.new")
    sample = session.scalar(select(IqaSample))
    assert sampled.url == f"/iqa/samples/{sample.id}"
    assert f"A decision on {setting.unit.code} has been sampled" in text_of(sampled)

    # The IQA agrees: the unit is achieved, and she is told.
    assessment.review_sample(session, sample, setting.iqa, agrees=True)
    session.commit()
    assert len(told(session, setting.trainee, "unit.achieved")) == 1


def test_an_iqa_return_tells_the_assessor_and_the_trainee(session, setting):
    _judge(session, setting, _submit(session, setting))
    sample = session.scalar(select(IqaSample))
    assessment.review_sample(
        session, sample, setting.iqa, agrees=False, comments="Criterion 1.2 needs more."
    )
    session.commit()
    [returned] = told(session, setting.assessor, "decision.returned")
    assert text_of(returned).startswith("An internal quality assurer has returned your sign-off")
    [back] = told(session, setting.trainee, "sign_off.returned")
    assert "Your work is back with your assessor" in text_of(back)
    for message in mails_to(session, setting.assessor) + mails_to(session, setting.trainee):
        assert_neutral(message, "Criterion 1.2", setting.unit.code)


def test_an_iqa_disagreeing_with_a_referral_leaves_a_comment_for_the_assessor(session, setting):
    _judge(session, setting, _submit(session, setting), Outcome.REFERRED)
    sample = session.scalar(select(IqaSample))
    assessment.review_sample(session, sample, setting.iqa, agrees=False, comments="Too harsh.")
    session.commit()
    [commented] = told(session, setting.assessor, "decision.commented")
    assert "The decision stands" in text_of(commented)
    assert told(session, setting.trainee, "sign_off.returned") == []


def test_a_trainee_assessors_sign_off_waits_for_a_qualified_countersigner(session, setting):
    learner_assessor = member(setting.organisation, Role.ASSESSOR)
    CohortStaffFactory(cohort=setting.cohort, user=learner_assessor, role=CohortRole.ASSESSOR)
    assessment.set_trainee_assessor(
        session, learner_assessor, setting.organisation.id, trainee=True
    )
    session.commit()
    _judge(session, setting, _submit(session, setting), assessor=learner_assessor)
    [waiting] = told(session, learner_assessor, "decision.awaiting_countersignature")
    assert "is waiting for a qualified assessor's countersignature" in text_of(waiting)
    [needed] = told(session, setting.assessor, "countersignature.needed")
    assert "waiting for your countersignature" in text_of(needed)
    # Only a qualified assessor is asked; she is not asked to countersign her own.
    assert told(session, learner_assessor, "countersignature.needed") == []


# --- standardisation and EQA -------------------------------------------------------------------


def test_a_standardisation_exercise_asks_its_assessors_and_tells_the_other_iqas(session, setting):
    second = member(setting.organisation, Role.ASSESSOR)
    other_iqa = member(setting.organisation, Role.IQA)
    exercise = quality.start_standardisation(
        session,
        setting.organisation,
        setting.iqa,
        title="Reflective accounts",
        submission=_submit(session, setting),
        assessor_ids=[setting.assessor.id, second.id],
    )
    session.commit()
    for assessor in (setting.assessor, second):
        [invited] = told(session, assessor, "standardisation.invited")
        assert "“Reflective accounts”" in text_of(invited)
        assert invited.url == f"/standardisation/{exercise.id}"
    assert len(told(session, other_iqa, "standardisation.opened")) == 1
    assert told(session, setting.iqa, "standardisation.opened") == []  # she opened it


def test_an_eqa_is_told_of_her_access_its_approaching_end_and_its_end(session, runner):
    partner = PartnerFactory(franchisor=FranchisorFactory())
    setting = assessment_setting(partner)
    eqa = member(partner.franchisor, Role.EQA)
    coordinator = member(partner, Role.COORDINATOR)
    # Given four days ago, for a month ending ten days after that.
    with clock_at(utcnow() - timedelta(days=4)):
        today = utcnow().date()
        grant = quality.grant_eqa_access(
            session,
            partner,
            coordinator,
            email=eqa.email,
            enrolment_ids=[setting.enrolment.id],
            starts_on=today - timedelta(days=20),
            ends_on=today + timedelta(days=10),
        )
        session.commit()
        # Ten days before its end, the daily run says nothing of it.
        assert runner.invoke(args=["notifications", "digest"]).exit_code == 0
    [given] = told(session, eqa, "eqa.access_given")
    assert text_of(given).startswith(f"{partner.name} has given you read-only access to")
    assert "the records of 1 learner" in text_of(given)
    [mail] = mails_to(session, eqa)
    assert mail.subject == "A change to your access"
    assert_neutral(mail, partner.name)
    assert told(session, eqa, "eqa.access_ending") == []

    # From a week before, once.
    for _ in range(2):
        result = runner.invoke(args=["notifications", "digest"])
        assert result.exit_code == 0, result.output
    session.expire_all()
    [ending] = told(session, eqa, "eqa.access_ending")
    assert "ends on" in text_of(ending)

    quality.end_eqa_grant(session, grant, coordinator)
    session.commit()
    [ended] = told(session, eqa, "eqa.access_ended")
    assert "From now on you can no longer read their work." in text_of(ended)


# --- awards, practice and coordinators ----------------------------------------------------------


def test_an_award_and_its_revocation_are_told_to_her(session):
    partner = PartnerFactory()
    qualification = make_qualification()
    staff = staff_for(partner)
    enrolment = enrol_trainee(qualification, partner)
    complete(session, qualification, enrolment, staff)
    trainee = session.get(type(staff.assessor), enrolment.user_id)
    [made] = told(session, trainee, "award.made")
    assert "Your qualification has been awarded" in text_of(made)
    assert made.url == "/my/achievements"
    award = session.scalar(select(QualificationAward))
    revoke_award(
        session,
        award,
        revoked_by=member(partner.franchisor, Role.ADMIN),
        reason="Evidence for one unit was not her own work.",
    )
    session.commit()
    [revoked] = told(session, trainee, "award.revoked")
    assert "no longer verifies" in text_of(revoked)
    for mail in mails_to(session, trainee):
        assert_neutral(mail, "not her own work", qualification.course.title)


def test_notes_from_supervision_are_told_to_each_trainee_present(session):
    partner = PartnerFactory()
    qualification = make_qualification()
    first = enrol_trainee(qualification, partner)
    second = enrol_trainee(qualification, partner)
    supervisor = member(partner, Role.ASSESSOR)
    held_on = utcnow().date() - timedelta(days=2)
    practice.record_supervision(
        session, partner, supervisor, [first, second], held_on=held_on, topics="Endings."
    )
    session.commit()
    for enrolment in (first, second):
        trainee = session.get(type(supervisor), enrolment.user_id)
        [feedback] = told(session, trainee, "practice.feedback")
        assert feedback.params == {"held_on": held_on.isoformat()}
        assert text_of(feedback).startswith("Notes from your supervision on ")
        assert feedback.url == f"/practice/{enrolment.id}"


def test_a_flag_not_followed_up_by_its_date_is_told_to_the_coordinators_once(session):
    partner = PartnerFactory()
    enrolment = enrol_trainee(make_qualification(), partner)
    coordinator = member(partner, Role.COORDINATOR)
    flag = practice.raise_flag(
        session,
        enrolment,
        member(partner, Role.ASSESSOR),
        kind="boundary",
        follow_up_on=utcnow().date() + timedelta(days=3),
    )
    session.commit()
    today = utcnow().date()
    assert practice_notices.flags_not_followed_up(session, today + timedelta(days=3)) == 0
    assert practice_notices.flags_not_followed_up(session, today + timedelta(days=4)) == 1
    assert practice_notices.flags_not_followed_up(session, today + timedelta(days=5)) == 0
    [reminder] = told(session, coordinator, "flag.not_followed_up")
    assert reminder.url == f"/practice/{enrolment.id}/flags/{flag.id}"
    assert "has not been yet" in text_of(reminder)


def test_coordinators_are_told_once_when_a_licence_nears_its_limits(session):
    franchise = licensed_partner(session, seats=10, expires_in_days=20)
    for number in range(9):
        enrol_new_trainee(session, franchise.cohort, f"trainee{number}@example.org")
    session.commit()
    today = utcnow().date()
    assert franchise_notices.licences_near_limits(session, today) == 2
    assert franchise_notices.licences_near_limits(session, today) == 0
    [seats] = told(session, franchise.coordinator, "licence.seats_low")
    assert text_of(seats) == f"The licence for {franchise.course.title} has 1 place left."
    [ending] = told(session, franchise.coordinator, "licence.ending")
    assert text_of(ending).startswith(f"The licence for {franchise.course.title} ends on ")
    assert told(session, franchise.stranger, "licence.seats_low") == []
    for mail in mails_to(session, franchise.coordinator):
        assert mail.subject == "A reminder"
        assert_neutral(mail, franchise.course.title)


def test_each_coordinator_has_a_weekly_summary_once_a_week(session, setting):
    coordinator = member(setting.organisation, Role.COORDINATOR)
    _submit(session, setting)
    monday = utcnow().date() - timedelta(days=utcnow().date().weekday())
    assert practice_notices.weekly_summary(session, monday) == 1
    assert practice_notices.weekly_summary(session, monday + timedelta(days=3)) == 0
    [week] = told(session, coordinator, "coordinator.weekly")
    assert week.params["waiting"] == 1
    assert "units waiting for an assessor: 1" in text_of(week)
    assert practice_notices.weekly_summary(session, monday + timedelta(days=7)) == 1
