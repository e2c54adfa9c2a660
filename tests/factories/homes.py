"""One partner's working day, built through the ordinary operations, for the home pages of
a trainee, an IQA, an EQA and a coordinator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.assessment import operations, quality
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.curriculum.models import Enrolment, Lesson
from lms.curriculum.operations import record_lesson_view
from lms.db import clock_at, utcnow
from lms.extensions import db
from lms.portfolio import operations as portfolio
from lms.portfolio.models import Submission
from lms.quizzes import operations as quizzes
from tests.factories.accounts import member
from tests.factories.curriculum import EnrolmentFactory
from tests.factories.portfolio import Setting, add_evidence, assessment_setting
from tests.factories.quizzes import quiz_for_unit


@dataclass
class Day:
    setting: Setting
    coordinator: User
    eqa: User
    signed_off: Submission  # sampled for the IQA
    waiting: Submission  # waiting for an assessor
    quiet: Enrolment  # nothing for a month
    referred_unit_code: str
    quiz_title: str

    @property
    def organisation(self) -> Organisation:
        return self.setting.organisation


def _trainee(setting: Setting, name: str, **fields) -> Enrolment:
    return EnrolmentFactory(
        user=member(setting.organisation, Role.TRAINEE, display_name=name),
        course=setting.course,
        organisation=setting.organisation,
        cohort=setting.cohort,
        **fields,
    )


def _submit(setting: Setting, enrolment: Enrolment, unit, title: str) -> Submission:
    add_evidence(enrolment, setting.criteria(unit), title=title)
    return portfolio.submit_unit(db.session, enrolment, unit, declaration_confirmed=True)


def _judge(setting: Setting, submission: Submission, outcome: Outcome, unit) -> None:
    met = outcome == Outcome.SIGNED_OFF
    operations.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=submission.state_version,
        outcome=outcome,
        verdicts={
            c.id: Verdict(met, "Clear and honest." if met else "Say more about this.")
            for c in setting.criteria(unit)
        },
        feedback="Thank you, this was good to read.",
        actions="" if met else "Please add what you did after the session.",
    )


def working_day(organisation: Organisation | None = None) -> Day:
    """A trainee with a referred unit, a quiz to try again and a lesson open; a second
    trainee whose signed-off unit is sampled for the IQA; a third quiet for a month with a
    unit waiting since; an EQA given two learners; a standardisation exercise open."""
    setting = assessment_setting(organisation, units=3)
    referred_unit, lesson_unit, quiz_unit = setting.units
    organisation = setting.organisation
    setting.course.rules_of_combination = {
        "mandatory": [unit.code for unit in setting.units],
        "minimum_credits": sum(unit.credits for unit in setting.units),
    }
    coordinator = member(organisation, Role.COORDINATOR, display_name="Coordinator Ama")
    month_ago = utcnow() - timedelta(days=30)
    with clock_at(month_ago):
        quiet = _trainee(setting, "Quiet Bea", enrolled_at=month_ago)
        waiting = _submit(setting, quiet, referred_unit, "Role play notes")
    db.session.commit()

    first = _submit(setting, setting.enrolment, referred_unit, "Notes from my first session")
    _judge(setting, first, Outcome.REFERRED, referred_unit)
    lesson = db.session.scalar(
        select(Lesson).where(Lesson.unit_id == lesson_unit.id).order_by(Lesson.position)
    )
    record_lesson_view(db.session, setting.enrolment, lesson)
    quiz = quiz_for_unit(quiz_unit)
    attempt = quizzes.start_attempt(db.session, setting.enrolment, quiz)
    quizzes.submit_attempt(db.session, attempt)

    second = _trainee(setting, "Second Cai")
    signed_off = _submit(setting, second, referred_unit, "Reflective account")
    _judge(setting, signed_off, Outcome.SIGNED_OFF, referred_unit)
    other_assessor = member(organisation, Role.ASSESSOR, display_name="Assessor Dee")
    quality.start_standardisation(
        db.session,
        organisation,
        setting.iqa,
        title="Reflective accounts this term",
        submission=signed_off,
        assessor_ids=[setting.assessor.id, other_assessor.id],
    )
    eqa = member(organisation, Role.EQA, display_name="Reviewer Eve")
    today = utcnow().date()
    quality.grant_eqa_access(
        db.session,
        organisation,
        coordinator,
        email=eqa.email,
        enrolment_ids=[setting.enrolment.id, second.id],
        starts_on=today,
        ends_on=today + timedelta(days=20),
    )
    db.session.commit()
    return Day(
        setting, coordinator, eqa, signed_off, waiting, quiet, referred_unit.code, quiz.title
    )
