"""Reading portfolios, always through the enrolment they belong to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import User
from lms.curriculum.models import AssessmentCriterion, Course, CourseUnit, Enrolment, Unit
from lms.errors import NotFound
from lms.permissions import can
from lms.portfolio.models import Evidence, EvidenceFile, Submission


def enrolment_for(session: Session, user: User, enrolment_id: int) -> Enrolment:
    """The enrolment, if `user` may see its portfolio; otherwise it does not exist for them."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or not can(user, "portfolio.view", enrolment):
        raise NotFound()
    return enrolment


def evidence_in(session: Session, enrolment: Enrolment, evidence_id: int) -> Evidence:
    evidence = session.scalar(
        select(Evidence)
        .where(Evidence.id == evidence_id, Evidence.enrolment_id == enrolment.id)
        .options(selectinload(Evidence.files), selectinload(Evidence.criteria))
    )
    if evidence is None:
        raise NotFound()
    return evidence


def file_in(session: Session, enrolment: Enrolment, file_id: int) -> EvidenceFile:
    found = session.scalar(
        select(EvidenceFile)
        .join(Evidence, Evidence.id == EvidenceFile.evidence_id)
        .where(EvidenceFile.id == file_id, Evidence.enrolment_id == enrolment.id)
    )
    if found is None:
        raise NotFound()
    return found


def unit_in(session: Session, enrolment: Enrolment, unit_id: int) -> Unit:
    unit = session.scalar(
        select(Unit)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(Unit.id == unit_id, CourseUnit.course_id == enrolment.course_id)
    )
    if unit is None:
        raise NotFound()
    return unit


def submission_in(session: Session, enrolment: Enrolment, submission_id: int) -> Submission:
    submission = session.scalar(
        select(Submission)
        .where(Submission.id == submission_id, Submission.enrolment_id == enrolment.id)
        .options(selectinload(Submission.items))
    )
    if submission is None:
        raise NotFound()
    return submission


def criteria_choices(session: Session, enrolment: Enrolment) -> list[tuple[int, str]]:
    """Every criterion of the course, labelled with its unit, for the evidence form."""
    rows = session.execute(
        select(AssessmentCriterion, Unit.code)
        .join(Unit, Unit.id == AssessmentCriterion.unit_id)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == enrolment.course_id)
        .order_by(CourseUnit.position, AssessmentCriterion.outcome_id, AssessmentCriterion.position)
    )
    return [(c.id, f"{code} {c.number}: {c.text}") for c, code in rows]


def my_enrolments(session: Session, user: User) -> list[tuple[Enrolment, Course]]:
    return list(
        session.execute(
            select(Enrolment, Course)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id == user.id)
            .order_by(Enrolment.enrolled_at)
        )
    )


def submissions_for_unit(session: Session, enrolment: Enrolment, unit: Unit) -> list[Submission]:
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.enrolment_id == enrolment.id, Submission.unit_code == unit.code)
            .order_by(Submission.number.desc())
        )
    )
