"""Reading surveys for one person: the surveys a trainee is asked, her own "journey" (her
answers before and after, per learning outcome), and her mentee feedback links."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import User
from lms.curriculum.models import CourseUnit, Enrolment, EnrolmentStatus, Unit
from lms.i18n import gettext
from lms.practice.surveys.format import Audience, Moment, QuestionType
from lms.practice.surveys.format import Survey as SurveyDefinition
from lms.practice.surveys.models import MenteeLink, Survey, SurveyAnswer, SurveyResponse
from lms.practice.surveys.operations import end_of, moment_open
from lms.practice.surveys.rules import mentee_link_ids
from lms.reporting.charts import Chart, line_chart


@dataclass(frozen=True)
class Asked:
    """A survey at one moment of one of the trainee's enrolments."""

    enrolment: Enrolment
    survey: Survey
    moment: Moment
    is_open: bool
    answered: bool


def active_enrolments(session: Session, user: User) -> list[Enrolment]:
    return list(
        session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .options(selectinload(Enrolment.course), selectinload(Enrolment.cohort))
            .order_by(Enrolment.enrolled_at, Enrolment.id)
        )
    )


def unit_codes_of(session: Session, course_ids) -> dict[int, frozenset[str]]:
    """The codes of each course's units (one query)."""
    found: dict[int, set[str]] = defaultdict(set)
    for course_id, code in session.execute(
        select(CourseUnit.course_id, Unit.code)
        .join(Unit, Unit.id == CourseUnit.unit_id)
        .where(CourseUnit.course_id.in_(list(course_ids)))
    ):
        found[course_id].add(code)
    return {course_id: frozenset(codes) for course_id, codes in found.items()}


def applies(survey: SurveyDefinition, course_code: str, units: frozenset[str]) -> bool:
    """Whether a survey is asked on a course: one attached to a course on that course, one
    attached to a unit on every course with the unit, any other on all."""
    return (survey.course is None or survey.course == course_code) and (
        survey.unit is None or survey.unit in units
    )


def surveys_for(session: Session, user: User, today: date) -> list[Asked]:
    """Every survey moment of the trainee's current courses, open or answered (in three
    queries, whatever the number of surveys)."""
    enrolments = active_enrolments(session, user)
    if not enrolments:
        return []
    surveys = session.scalars(
        select(Survey)
        .where(Survey.is_current.is_(True), Survey.audience == Audience.TRAINEE)
        .order_by(Survey.slug)
    ).all()
    answered = set(
        session.execute(
            select(
                SurveyResponse.enrolment_id, SurveyResponse.survey_slug, SurveyResponse.moment
            ).where(SurveyResponse.enrolment_id.in_([e.id for e in enrolments]))
        ).all()
    )
    units = unit_codes_of(session, {e.course_id for e in enrolments})
    asked = []
    for enrolment in enrolments:
        end = end_of(enrolment.cohort, enrolment)
        for survey in surveys:
            if not applies(
                survey.parsed, enrolment.course.code, units.get(enrolment.course_id, frozenset())
            ):
                continue
            for moment in survey.parsed.moments:
                done = (enrolment.id, survey.slug, moment) in answered
                is_open = moment_open(moment, end, today)
                if done or is_open:
                    asked.append(Asked(enrolment, survey, moment, is_open and not done, done))
    return asked


def current_survey(session: Session, slug: str) -> Survey | None:
    return session.scalar(select(Survey).where(Survey.slug == slug, Survey.is_current.is_(True)))


def asked_of_trainees(survey: Survey | None, moment: Moment) -> bool:
    """Whether `survey` is one a trainee answers at `moment`."""
    return (
        survey is not None
        and survey.parsed.audience is Audience.TRAINEE
        and moment in survey.parsed.moments
    )


def enrolment_for_survey(session: Session, user: User, survey: Survey) -> Enrolment | None:
    """The trainee's enrolment the survey is asked in (her latest that it applies to)."""
    enrolments = active_enrolments(session, user)
    units = unit_codes_of(session, {e.course_id for e in enrolments})
    for enrolment in reversed(enrolments):
        if applies(
            survey.parsed, enrolment.course.code, units.get(enrolment.course_id, frozenset())
        ):
            return enrolment
    return None


# --- her journey ----------------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyRow:
    question_id: str
    label: str  # the learning outcome ("RM301.2") or the question
    prompt: str
    answers: dict[Moment, float]


@dataclass(frozen=True)
class Journey:
    survey: Survey
    moments: tuple[Moment, ...]
    rows: list[JourneyRow]
    chart: Chart


def journeys(session: Session, user: User) -> list[Journey]:
    """For each survey the trainee answered at more than one moment, her own answers to each
    scored question at each moment, and a chart of her average across them. Hers alone: no
    one else's answers are read, so nothing needs suppressing."""
    rows = session.execute(
        select(
            SurveyResponse.survey_id,
            SurveyResponse.moment,
            SurveyAnswer.question_id,
            SurveyAnswer.number,
        )
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.respondent_id == user.id, SurveyAnswer.number.is_not(None))
    ).all()
    by_survey: dict[int, dict[str, dict[Moment, float]]] = defaultdict(lambda: defaultdict(dict))
    for survey_id, moment, question_id, number in rows:
        by_survey[survey_id][question_id][Moment(moment)] = number
    surveys = session.scalars(select(Survey).where(Survey.id.in_(by_survey))).all()
    found = []
    for survey in sorted(surveys, key=lambda s: s.slug):
        definition = survey.parsed
        answers = by_survey[survey.id]
        moments = tuple(m for m in definition.moments if any(m in a for a in answers.values()))
        if len(moments) < 2:
            continue
        journey_rows = [
            JourneyRow(q.id, q.outcome or q.id, q.prompt, answers[q.id])
            for q in definition.questions
            if q.type in (QuestionType.LIKERT, QuestionType.SCALE) and q.id in answers
        ]
        # The chart averages the five-point answers only: a 0 to 10 scale would not add up.
        likert = {q.id for q in definition.questions if q.type is QuestionType.LIKERT}
        points = []
        for moment in moments:
            values = [
                r.answers[moment]
                for r in journey_rows
                if moment in r.answers and r.question_id in likert
            ]
            points.append((moment.label, round(sum(values) / len(values), 1) if values else 0))
        chart = line_chart(
            f"journey-{survey.slug}",
            gettext("My journey: %(survey)s", survey=definition.title),
            gettext("Your average answer from 1 to 5 at each point of your training."),
            points,
            x_label=gettext("When"),
            y_label=gettext("My average (1 to 5)"),
        )
        found.append(Journey(survey, moments, journey_rows, chart))
    return found


# --- her mentee feedback links -----------------------------------------------------------------


@dataclass(frozen=True)
class LinkLine:
    link: MenteeLink
    answers: int


def mentee_links(session: Session, user: User) -> list[LinkLine]:
    """The trainee's links (through the rule's query form), with how many answers each has had:
    a count only, never the answers themselves."""
    counts = (
        select(func.count(SurveyResponse.id))
        .where(SurveyResponse.mentee_link_id == MenteeLink.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(MenteeLink, counts)
        .where(MenteeLink.id.in_(mentee_link_ids(user)))
        .order_by(
            MenteeLink.closed_at.is_not(None), MenteeLink.created_at.desc(), MenteeLink.id.desc()
        )
    ).all()
    return [LinkLine(link, count) for link, count in rows]
