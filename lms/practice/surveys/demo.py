"""Demo data for surveys, made as trainees and mentees would make it: Northside's trainees
answered "How confident I feel" when they started and again as their cohort draws to an end
(its end date is set, as a coordinator would), and "Looking back on the training"; Harbour's
trainees handed out feedback links and paper forms, and six mentees answered. So the report
shows figures for Northside's trainees and Harbour's mentees, and says "fewer than five
people" for the rest (Harbour's trainees, Northside's mentees). Safe to run again."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.curriculum.format import load_catalogue
from lms.curriculum.models import Cohort, Course, CourseKind
from lms.curriculum.operations import active_enrolment
from lms.db import clock_at, utcnow
from lms.franchise.cohorts import edit_cohort
from lms.practice.surveys.format import Moment, QuestionType
from lms.practice.surveys.loader import read_surveys
from lms.practice.surveys.models import Survey, SurveyResponse
from lms.practice.surveys.operations import (
    answer_as_mentee,
    answer_survey,
    create_mentee_link,
    sync_surveys,
)

COURSE = "ALRM3"
CHANGES = ("More confidence in saying no.", "More time to practise together.", "")
MENTEE_PAPER = (False, True, False, True, False, False)


def _surveys(session: Session) -> dict[str, Survey]:
    if session.scalar(select(Survey.id).limit(1)) is None:
        catalogue = load_catalogue(
            Path(current_app.config["COURSES_PATH"]), Path(current_app.config["ASSESSMENTS_PATH"])
        )
        surveys, problems = read_surveys(catalogue)
        if problems:
            return {}  # `courses check` says what is wrong; the demo goes on without surveys
        sync_surveys(session, surveys)
    return {s.slug: s for s in session.scalars(select(Survey).where(Survey.is_current.is_(True)))}


def _value(question, index: int, lift: int) -> str:
    """A plausible answer of person `index`, `lift` steps higher later in the training (more
    for some questions and people than others)."""
    spread = sum(map(ord, question.id)) + index
    if question.type is QuestionType.LIKERT:
        step = lift + (spread % 2 if lift else 0)
        return str(min(5, 1 + spread % 3 + step))
    if question.type is QuestionType.SCALE:
        return str(min(10, 3 + spread % 4 + 2 * lift))
    if question.type is QuestionType.SINGLE_CHOICE:
        return question.options[index % 2]
    if question.type is QuestionType.MULTIPLE_CHOICE:
        return question.options[index % len(question.options)]
    return CHANGES[index % len(CHANGES)]


def _raw(survey: Survey, index: int, lift: int) -> dict[str, list[str]]:
    return {q.id: [_value(q, index, lift)] for q in survey.parsed.questions}


def _at(day) -> datetime:
    return datetime.combine(day, time(11, 0), tzinfo=UTC)


def _trainee_answers(session: Session, world, surveys: dict[str, Survey], course: Course) -> None:
    partner = world.partners[0]
    cohort = session.scalar(
        select(Cohort)
        .where(Cohort.organisation_id == partner.id, Cohort.course_id == course.id)
        .order_by(Cohort.id)
        .limit(1)
    )
    if cohort is None or cohort.starts_on is None:
        return
    today = utcnow().date()
    edit_cohort(
        session, cohort, cohort.name, starts_on=cohort.starts_on, ends_on=today + timedelta(days=14)
    )
    confidence, looking_back = surveys.get("mentor-confidence"), surveys.get("end-of-training")
    for index, person in enumerate(world.trainees[partner.slug]):
        enrolment = active_enrolment(session, person, course)
        if enrolment is None or enrolment.cohort_id != cohort.id:
            continue
        if confidence is not None:
            with clock_at(_at(cohort.starts_on + timedelta(days=2 + index))):
                answer_survey(
                    session, enrolment, confidence, Moment.START, _raw(confidence, index, 0)
                )
            with clock_at(_at(today - timedelta(days=5 - index % 3))):
                answer_survey(
                    session,
                    enrolment,
                    confidence,
                    Moment.END,
                    _raw(confidence, index, 1 + index % 2),
                )
        if looking_back is not None:
            with clock_at(_at(today - timedelta(days=3))):
                answer_survey(
                    session, enrolment, looking_back, Moment.END, _raw(looking_back, index, 2)
                )


def _mentee_answers(session: Session, world, surveys: dict[str, Survey]) -> None:
    feedback = surveys.get("mentee-feedback")
    if feedback is None:
        return
    today = utcnow().date()
    harbour = world.trainees[world.partners[1].slug]
    for index, on_paper in enumerate(MENTEE_PAPER):
        mentor = harbour[index % 3]
        with clock_at(_at(today - timedelta(days=20 - index))):
            link, _token = create_mentee_link(session, mentor, f"Mentee {index + 1}")
            answer_as_mentee(session, link, _raw(feedback, index, 1), on_paper=on_paper)
    northside = world.trainees[world.partners[0].slug]
    with clock_at(_at(today - timedelta(days=2))):
        create_mentee_link(session, northside[0], "Rose")


def load_survey_demo(session: Session, world) -> None:
    course = session.scalar(
        select(Course).where(Course.code == COURSE, Course.kind == CourseKind.QUALIFICATION)
    )
    if course is None or session.scalar(select(SurveyResponse.id).limit(1)) is not None:
        return
    surveys = _surveys(session)
    if not surveys or len(world.partners) < 2:
        return
    _trainee_answers(session, world, surveys, course)
    _mentee_answers(session, world, surveys)
    session.flush()
