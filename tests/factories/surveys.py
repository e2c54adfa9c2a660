"""Surveys for tests: definitions made in code and synced as `courses sync` would, and
trainees who answer them through the ordinary operations."""

from __future__ import annotations

from datetime import timedelta

from lms.accounts.models import Organisation
from lms.accounts.roles import Role
from lms.curriculum.models import Course
from lms.db import utcnow
from lms.extensions import db
from lms.practice.surveys.format import Audience, Moment, Question, QuestionType, Survey
from lms.practice.surveys.operations import answer_survey, sync_surveys
from lms.practice.surveys.queries import current_survey
from tests.factories.accounts import member
from tests.factories.curriculum import CohortFactory, EnrolmentFactory

CONFIDENCE = Survey(
    id="confidence",
    title="How confident I feel",
    audience=Audience.TRAINEE,
    moments=(Moment.START, Moment.END),
    questions=(
        Question("RM301-1", QuestionType.LIKERT, "Confident about outcome 1?", outcome="RM301.1"),
        Question("mood", QuestionType.SCALE, "How are you feeling?"),
        Question("ready", QuestionType.SINGLE_CHOICE, "Ready?", options=("Yes", "Not yet")),
        Question("hopes", QuestionType.TEXT, "Anything to add?", required=False),
    ),
)
MENTEE = Survey(
    id="mentee",
    title="A few questions about your mentoring",
    audience=Audience.MENTEE,
    moments=(Moment.ANY,),
    questions=(
        Question("safer", QuestionType.LIKERT, "I feel safer."),
        Question("else", QuestionType.TEXT, "Anything else?", required=False),
    ),
)


def synced_surveys(course_code: str | None = None):
    """The two test surveys in the database (the trainee's one attached to `course_code`);
    returns (confidence, mentee) rows."""
    confidence = Survey(**{**CONFIDENCE.__dict__, "course": course_code})
    sync_surveys(db.session, [confidence, MENTEE])
    db.session.flush()
    return current_survey(db.session, "confidence"), current_survey(db.session, "mentee")


def ending_cohort(organisation, course, **fields):
    """A cohort whose end is near, so both its start and end surveys are open."""
    today = utcnow().date()
    return CohortFactory(
        organisation=organisation,
        course=course,
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=7),
        **fields,
    )


def trainees_in(cohort, count: int):
    """`count` new trainees enrolled in `cohort`; returns their enrolments."""
    organisation = db.session.get(Organisation, cohort.organisation_id)
    course = db.session.get(Course, cohort.course_id)
    return [
        EnrolmentFactory(
            user=member(organisation, Role.TRAINEE),
            course=course,
            organisation=organisation,
            cohort=cohort,
        )
        for _ in range(count)
    ]


def answer(enrolment, survey, moment: Moment, *, confidence: int, mood: int = 5, text=""):
    raw = {"RM301-1": [str(confidence)], "mood": [str(mood)], "ready": ["Yes"]}
    if text:
        raw["hopes"] = [text]
    return answer_survey(db.session, enrolment, survey, moment, raw)
