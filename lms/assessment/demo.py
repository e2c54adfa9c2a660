"""Demo portfolios for Northside, each trainee's story told through the same operations as real
use, dated over the last few days: Bethany's RM301 referred back with actions (she has not yet
passed its quiz), Chloe's waiting in the assessor's queue, Danuta's signed off and being
checked by the IQA (she passed the quiz in the quizzes demo), and Esi's signed off, then
returned by the IQA's check and back with her assessor. Amira's whole qualification is the
accreditation demo's, told with `work_through_unit`.

Needs a course with units, as `courses sync` loads; without one there is nothing to show and
the step does nothing. Safe to run again: a trainee who already has evidence is left alone.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.assessment import achievements, notices, operations
from lms.assessment.models import Decision, IqaSample, Outcome, SampleStatus
from lms.assessment.operations import Verdict
from lms.assessment.unit_status import UnitStatus, unit_standing
from lms.curriculum import operations as curriculum
from lms.curriculum.models import (
    AssessmentCriterion,
    Cohort,
    CohortRole,
    CohortStaff,
    Course,
    CourseKind,
    CourseUnit,
    Enrolment,
    Lesson,
    Unit,
)
from lms.db import clock_at, utcnow
from lms.portfolio import operations as portfolio
from lms.portfolio.models import Evidence, EvidenceType, Submission, SubmissionStatus
from lms.portfolio.storage import current_storage

COHORT_NAME = "Assessment demo cohort"
REFLECTION = (
    "Reflective account\n\n"
    "In our second meeting she spoke about the weeks after she left. I noticed I wanted to "
    "tell her about my own leaving, and I did not: I kept the space for her story. Afterwards "
    "I talked it through in supervision.\n"
)
OBSERVATION = (
    "I watched a forty-minute session. She agreed the focus with her mentee at the start, "
    "listened far more than she spoke, kept to her role when she was asked for advice she "
    "could not give, and closed by agreeing the next step together."
)
RETURNED = (
    "The evidence for the last criterion describes what she would do, not what she did. "
    "Please look at it again with her observation record before signing this unit off."
)


# --- a story over days --------------------------------------------------------------------------


class Timeline:
    """Moments for a story told through the ordinary operations: day 0 is `start` and day
    `days` is `end` (closer together when the span is shorter). Each moment is at least
    `GAP` after the last one used and `GAP` before the real time, so that dates follow one
    another (a quiz takes twelve minutes) and none is in the future."""

    GAP = timedelta(minutes=15)

    def __init__(self, start: datetime, end: datetime, days: float):
        self.start, self.end, self.days = start, max(start, end), days
        self.last = start - self.GAP

    @contextmanager
    def on(self, day: float) -> Iterator[None]:
        scheduled = self.start + (self.end - self.start) * min(1.0, day / self.days)
        latest = datetime.now(UTC) - self.GAP
        moment = max(self.start, min(max(scheduled, self.last + self.GAP), latest))
        with clock_at(moment):
            yield
            self.last = utcnow()


@dataclass(frozen=True)
class Staff:
    assessor: User
    iqa: User


def unit_criteria(session: Session, unit: Unit) -> list[AssessmentCriterion]:
    return list(
        session.scalars(
            select(AssessmentCriterion)
            .where(AssessmentCriterion.unit_id == unit.id)
            .order_by(AssessmentCriterion.outcome_id, AssessmentCriterion.position)
        )
    )


def complete_lessons(session: Session, enrolment: Enrolment, trainee: User, unit: Unit) -> None:
    lessons = list(
        session.scalars(select(Lesson).where(Lesson.unit_id == unit.id).order_by(Lesson.position))
    )
    for lesson in lessons:
        curriculum.acknowledge_content_note(session, trainee, lesson)
        curriculum.mark_lesson_complete(session, enrolment, lesson)
    if lessons:
        curriculum.record_lesson_view(session, enrolment, lessons[-1])


def pass_quiz(session: Session, enrolment: Enrolment, unit: Unit) -> bool:
    """Hand in the unit's quiz, every answer right, unless it is passed already (or the unit
    has none). False when it has one that cannot be found."""
    if achievements.quiz_passed(session, enrolment, unit):
        return True
    from lms.quizzes.demo import hand_in_quiz
    from lms.quizzes.models import Quiz

    quiz = session.scalar(
        select(Quiz)
        .where(Quiz.is_current.is_(True))
        .where(or_(Quiz.unit_code == unit.code, Quiz.slug == (unit.quiz_ref or "")))
        .order_by(Quiz.id)
        .limit(1)
    )
    if quiz is None:
        return False
    hand_in_quiz(session, enrolment, quiz, passing=True, now=utcnow(), seed=enrolment.id * 100)
    return achievements.quiz_passed(session, enrolment, unit)


def add_reflection(
    session: Session, enrolment: Enrolment, trainee: User, criteria, title: str
) -> Evidence:
    evidence = portfolio.create_evidence(
        session,
        enrolment,
        title=title,
        evidence_type=EvidenceType.REFLECTIVE_ACCOUNT,
        description="What happened, what I noticed in myself, and what I would do again.",
        criterion_ids=[c.id for c in criteria],
    )
    portfolio.attach_file(
        session,
        current_storage(),
        evidence,
        trainee,
        io.BytesIO(REFLECTION.encode()),
        f"{title}.txt",
        max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
        quota_bytes=current_app.config["EVIDENCE_QUOTA_BYTES"],
    )
    return evidence


def add_observation(session: Session, enrolment: Enrolment, assessor: User, criteria, title: str):
    return portfolio.create_evidence(
        session,
        enrolment,
        title=title,
        evidence_type=EvidenceType.OBSERVATION,
        description=OBSERVATION,
        criterion_ids=[c.id for c in criteria],
        recorded_by=assessor,
    )


def judge(session: Session, submission: Submission, assessor: User, criteria, *, sign_off: bool):
    if sign_off:
        return operations.judge(
            session,
            submission,
            assessor,
            expected_version=submission.state_version,
            outcome=Outcome.SIGNED_OFF,
            verdicts={c.id: Verdict(True, "Well evidenced.") for c in criteria},
            feedback="Well done: this unit is signed off.",
        )
    verdicts = {c.id: Verdict(True, "Clear and honest.") for c in criteria}
    verdicts[criteria[-1].id] = Verdict(False, "Please say more about how you would refer her on.")
    return operations.judge(
        session,
        submission,
        assessor,
        expected_version=submission.state_version,
        outcome=Outcome.REFERRED,
        verdicts=verdicts,
        feedback="A thoughtful start: you kept the focus on her.",
        actions=f"Add an account that shows {criteria[-1].number}.",
    )


def review(session: Session, decision: Decision, iqa: User, *, agrees: bool, comments: str = ""):
    sample = session.scalar(
        select(IqaSample).where(
            IqaSample.decision_id == decision.id, IqaSample.status == SampleStatus.PENDING
        )
    )
    if sample is not None:
        operations.review_sample(session, sample, iqa, agrees=agrees, comments=comments)


def work_through_unit(
    session: Session,
    timeline: Timeline,
    day: float,
    enrolment: Enrolment,
    trainee: User,
    unit: Unit,
    staff: Staff,
) -> bool:
    """One unit over a week from `day`: its lessons, its quiz, her reflective account and an
    observation by her assessor, her submission, the sign-off and, where the IQA sampled it,
    the IQA's countersignature. False (having done nothing) when the unit is already under way
    or cannot be signed off; True once it is achieved."""
    status = unit_standing(session, enrolment.id, unit.id).status
    if status == UnitStatus.ACHIEVED:
        return True
    criteria = unit_criteria(session, unit)
    if status not in (UnitStatus.NOT_SUBMITTED, UnitStatus.REFERRED) or not criteria:
        return False
    with timeline.on(day):
        complete_lessons(session, enrolment, trainee, unit)
    with timeline.on(day + 2):
        if not pass_quiz(session, enrolment, unit):
            return False
    with timeline.on(day + 3):
        add_reflection(session, enrolment, trainee, criteria, f"{unit.code} reflective account")
        add_observation(
            session, enrolment, staff.assessor, criteria, f"{unit.code} observed mentoring session"
        )
        submission = portfolio.submit_unit(session, enrolment, unit, declaration_confirmed=True)
    with timeline.on(day + 5):
        decision = judge(session, submission, staff.assessor, criteria, sign_off=True)
    with timeline.on(day + 7):
        review(session, decision, staff.iqa, agrees=True)
    return submission.status == SubmissionStatus.ACHIEVED


# --- the Northside trainees' stories ------------------------------------------------------------


@dataclass
class Story:
    session: Session
    enrolment: Enrolment
    trainee: User
    unit: Unit
    criteria: list[AssessmentCriterion]
    staff: Staff
    timeline: Timeline

    def submit(self, *, with_quiz: bool) -> Submission | None:
        with self.timeline.on(0):
            complete_lessons(self.session, self.enrolment, self.trainee, self.unit)
        if with_quiz:
            with self.timeline.on(1):
                if not pass_quiz(self.session, self.enrolment, self.unit):
                    return None
        with self.timeline.on(2):
            add_reflection(
                self.session,
                self.enrolment,
                self.trainee,
                self.criteria,
                "Reflection on an early meeting",
            )
            return portfolio.submit_unit(
                self.session, self.enrolment, self.unit, declaration_confirmed=True
            )

    def judged(self, *, sign_off: bool) -> Decision | None:
        submission = self.submit(with_quiz=sign_off)
        if submission is None:
            return None
        with self.timeline.on(2.5):
            return judge(
                self.session, submission, self.staff.assessor, self.criteria, sign_off=sign_off
            )


def _referred(story: Story) -> None:
    story.judged(sign_off=False)


def _waiting(story: Story) -> None:
    story.submit(with_quiz=False)


def _being_checked(story: Story) -> None:
    story.judged(sign_off=True)


def _returned(story: Story) -> None:
    decision = story.judged(sign_off=True)
    if decision is not None:
        with story.timeline.on(3):
            review(story.session, decision, story.staff.iqa, agrees=False, comments=RETURNED)


# Northside trainee (by index) -> her story. The first, Amira, is the accreditation demo's.
STORIES: dict[int, Callable[[Story], None]] = {
    1: _referred,
    2: _waiting,
    3: _being_checked,
    4: _returned,
}


def _course(session: Session) -> Course | None:
    return session.scalar(
        select(Course)
        .where(Course.kind == CourseKind.QUALIFICATION)
        .where(Course.id.in_(select(CourseUnit.course_id)))
        .order_by(Course.id)
    )


def _cohort(session: Session, organisation, course, world) -> Cohort:
    cohort = session.scalar(
        select(Cohort).where(
            Cohort.organisation_id == organisation.id, Cohort.course_id == course.id
        )
    )
    if cohort is None:
        cohort = curriculum.create_cohort(session, organisation, course, COHORT_NAME)
    for role in (CohortRole.ASSESSOR, CohortRole.IQA):
        person = world.staff[(organisation.slug, Role(role.value))]
        assigned = session.scalar(
            select(CohortStaff.id).where(
                CohortStaff.cohort_id == cohort.id,
                CohortStaff.user_id == person.id,
                CohortStaff.role == role,
            )
        )
        if assigned is None:
            curriculum.assign_staff(session, cohort, person, role)
    return cohort


def demo_staff(world, organisation) -> Staff:
    return Staff(
        assessor=world.staff[(organisation.slug, Role.ASSESSOR)],
        iqa=world.staff[(organisation.slug, Role.IQA)],
    )


def load_portfolio_demo(session: Session, world) -> None:
    course = _course(session)
    if course is None:
        return
    organisation = world.partners[0]
    cohort = _cohort(session, organisation, course, world)
    unit = session.scalar(
        select(Unit)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == course.id)
        .order_by(CourseUnit.position)
    )
    criteria = unit_criteria(session, unit)
    if not criteria:
        return
    trainees = world.trainees[organisation.slug]
    with notices.without_email():
        for index, tell in STORIES.items():
            if index >= len(trainees):
                continue
            trainee = trainees[index]
            enrolment = curriculum.active_enrolment(session, trainee, course) or curriculum.enrol(
                session, trainee, course, organisation, cohort
            )
            if session.scalar(select(Evidence.id).where(Evidence.enrolment_id == enrolment.id)):
                continue
            now = utcnow()
            timeline = Timeline(max(now - timedelta(days=3), enrolment.enrolled_at), now, days=3)
            tell(
                Story(
                    session,
                    enrolment,
                    trainee,
                    unit,
                    criteria,
                    demo_staff(world, organisation),
                    timeline,
                )
            )
    session.flush()
