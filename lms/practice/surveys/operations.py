"""Changes to surveys: loading survey files, a trainee answering at a cohort moment, the links
a trainee gives her mentee, and a mentee's anonymous answers (by link or on paper)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.audit.operations import record
from lms.curriculum.models import Cohort, Enrolment, EnrolmentStatus
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.i18n import _
from lms.practice.pseudonyms import REASONS as PSEUDONYM_REASONS
from lms.practice.pseudonyms import pseudonym_problem
from lms.practice.surveys.format import Audience, Moment
from lms.practice.surveys.format import Survey as SurveyDefinition
from lms.practice.surveys.models import MenteeLink, Survey, SurveyAnswer, SurveyResponse
from lms.practice.surveys.scoring import Answer, read_answers

# When each moment is open, counted from the cohort's end date.
END_OPENS_BEFORE = timedelta(days=28)
END_CLOSES_AFTER = timedelta(days=60)
FOLLOW_UP_OPENS_AFTER = timedelta(days=90)
FOLLOW_UP_CLOSES_AFTER = timedelta(days=180)
MAX_LABEL = 40
MAX_OPEN_LINKS = 20


@dataclass
class SyncResult:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def sync_surveys(session: Session, definitions: Iterable[SurveyDefinition]) -> SyncResult:
    """Make the current survey versions match the files (as quizzes do): a new version for new
    or changed content; a survey whose file is gone stops being current, its responses stay."""
    now = utcnow()
    result = SyncResult()
    current = {
        s.slug: s for s in session.scalars(select(Survey).where(Survey.is_current.is_(True)))
    }
    for definition in definitions:
        content_hash = definition.content_hash
        row = current.pop(definition.id, None)
        if row is not None and row.content_hash == content_hash:
            row.synced_at = now
            result.unchanged.append(definition.id)
            continue
        latest = session.scalar(
            select(Survey)
            .where(Survey.slug == definition.id)
            .order_by(Survey.version.desc())
            .limit(1)
        )
        if row is not None:
            row.is_current = False
        session.add(
            Survey(
                slug=definition.id,
                version=(latest.version + 1) if latest else 1,
                is_current=True,
                title=definition.title,
                audience=definition.audience,
                course_code=definition.course,
                unit_code=definition.unit,
                definition=definition.to_dict(),
                content_hash=content_hash,
                synced_at=now,
            )
        )
        (result.changed if latest is not None else result.added).append(definition.id)
    for slug, row in current.items():
        row.is_current = False
        result.retired.append(slug)
    session.flush()
    return result


# --- moments -------------------------------------------------------------------------------------


def end_of(cohort: Cohort | None, enrolment: Enrolment) -> date | None:
    """The day a trainee's training ends: her cohort's end date, else the day she achieved."""
    if cohort is not None and cohort.ends_on is not None:
        return cohort.ends_on
    return enrolment.achieved_at.date() if enrolment.achieved_at else None


def moment_open(moment: Moment, end: date | None, today: date) -> bool:
    """Start: until the training ends. End: from four weeks before it ends to two months
    after. Three months on: from three to six months after it ends."""
    if moment is Moment.START:
        return end is None or today <= end
    if end is None:
        return False
    if moment is Moment.END:
        return end - END_OPENS_BEFORE <= today <= end + END_CLOSES_AFTER
    if moment is Moment.FOLLOW_UP:
        return end + FOLLOW_UP_OPENS_AFTER <= today <= end + FOLLOW_UP_CLOSES_AFTER
    return False


def moment_reached(moment: Moment, end: date | None, today: date) -> bool:
    """Whether `moment` has opened (it may have closed since): who counts as asked."""
    if moment is Moment.START:
        return True
    if end is None:
        return False
    if moment is Moment.END:
        return today >= end - END_OPENS_BEFORE
    return today >= end + FOLLOW_UP_OPENS_AFTER


def _store(
    session: Session, response: SurveyResponse, answers: Mapping[str, Answer]
) -> SurveyResponse:
    response.answers = [
        SurveyAnswer(
            question_id=question_id,
            number=answer.number,
            choices=list(answer.choices) if answer.choices is not None else None,
            text=answer.text,
        )
        for question_id, answer in answers.items()
    ]
    session.add(response)
    session.flush()
    return response


def answer_survey(
    session: Session,
    enrolment: Enrolment,
    survey: Survey,
    moment: Moment,
    raw: Mapping[str, Sequence[str]],
) -> SurveyResponse:
    """The trainee's answers to `survey` at `moment` of her training, once."""
    definition = survey.parsed
    if definition.audience is not Audience.TRAINEE or moment not in definition.moments:
        raise DomainError(_("This survey is not asked at this point of the training."))
    cohort = session.get(Cohort, enrolment.cohort_id) if enrolment.cohort_id else None
    today = utcnow().date()
    if not moment_open(moment, end_of(cohort, enrolment), today):
        raise DomainError(_("This survey is not open at the moment."))
    already = session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.enrolment_id == enrolment.id,
            SurveyResponse.survey_slug == survey.slug,
            SurveyResponse.moment == moment,
        )
    )
    if already is not None:
        raise Conflict(_("You have already answered this survey. Thank you."))
    answers = read_answers(definition, raw)
    response = SurveyResponse(
        survey_id=survey.id,
        survey_slug=survey.slug,
        organisation_id=enrolment.organisation_id,
        cohort_id=enrolment.cohort_id,
        enrolment_id=enrolment.id,
        respondent_id=enrolment.user_id,
        moment=moment,
        answered_on=today,
    )
    return _store(session, response, answers)


# --- the mentee's feedback -----------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mentee_survey(session: Session) -> Survey | None:
    """The current survey for mentees (the first by id when there are several)."""
    return session.scalar(
        select(Survey)
        .where(Survey.is_current.is_(True), Survey.audience == Audience.MENTEE)
        .order_by(Survey.slug)
        .limit(1)
    )


def _trainee_enrolment(session: Session, trainee: User) -> Enrolment:
    enrolment = session.scalar(
        select(Enrolment)
        .where(Enrolment.user_id == trainee.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
        .limit(1)
    )
    if enrolment is None or Role.TRAINEE not in trainee.roles_in(enrolment.organisation_id):
        raise DomainError(_("Feedback links are for trainee mentors on a course."))
    return enrolment


def create_mentee_link(session: Session, trainee: User, label: str = "") -> tuple[MenteeLink, str]:
    """A new feedback link for one of the trainee's mentees, and its token (shown once: only
    its hash is kept). `label` is a name the trainee chooses, never the mentee's real one."""
    label = " ".join(label.split())
    if len(label) > MAX_LABEL:
        raise DomainError(
            _("Please keep the label to %(limit)d characters or fewer.", limit=MAX_LABEL),
            field="label",
        )
    if label and (reason := pseudonym_problem(label)) is not None:
        # The same guard as a mentee's pseudonym: a label is shown beside her answers.
        raise DomainError(str(PSEUDONYM_REASONS[reason]), field="label")
    survey = mentee_survey(session)
    if survey is None:
        raise DomainError(_("There is no feedback form for mentees yet."))
    enrolment = _trainee_enrolment(session, trainee)
    open_links = session.scalars(
        select(MenteeLink.id).where(
            MenteeLink.trainee_id == trainee.id, MenteeLink.closed_at.is_(None)
        )
    ).all()
    if len(open_links) >= MAX_OPEN_LINKS:
        raise DomainError(_("Please close a link you no longer need before making another."))
    token = secrets.token_urlsafe(24)
    link = MenteeLink(
        organisation_id=enrolment.organisation_id,
        trainee_id=trainee.id,
        cohort_id=enrolment.cohort_id,
        survey_slug=survey.slug,
        label=label,
        token_hash=token_hash(token),
    )
    session.add(link)
    session.flush()
    record(session, "mentee_link.created", obj=link, organisation_id=link.organisation_id)
    return link, token


def close_mentee_link(session: Session, link: MenteeLink) -> MenteeLink:
    if link.closed_at is None:
        link.closed_at = utcnow()
        session.flush()
        record(session, "mentee_link.closed", obj=link, organisation_id=link.organisation_id)
    return link


def open_link_for_token(session: Session, token: str) -> MenteeLink | None:
    """The open link `token` opens, or None (for a wrong, old or closed token alike)."""
    if not token or len(token) > 100:
        return None
    return session.scalar(
        select(MenteeLink).where(
            MenteeLink.token_hash == token_hash(token), MenteeLink.closed_at.is_(None)
        )
    )


def survey_of_link(session: Session, link: MenteeLink) -> Survey | None:
    return session.scalar(
        select(Survey).where(Survey.slug == link.survey_slug, Survey.is_current.is_(True))
    )


def answer_as_mentee(
    session: Session, link: MenteeLink, raw: Mapping[str, Sequence[str]], *, on_paper: bool
) -> SurveyResponse:
    """A mentee's anonymous answers, given by the link or copied from paper by her mentor.
    Nothing about who answered is kept: no account, no address, only the day. No audit entry
    either, since that would record who was signed in (the mentor) beside the mentee's answer;
    paper answers are counted on the link instead."""
    survey = survey_of_link(session, link)
    if survey is None:
        raise DomainError(_("This feedback form is no longer in use. Thank you all the same."))
    answers = read_answers(survey.parsed, raw)
    response = SurveyResponse(
        survey_id=survey.id,
        survey_slug=survey.slug,
        organisation_id=link.organisation_id,
        cohort_id=link.cohort_id,
        mentee_link_id=link.id,
        moment=Moment.ANY,
        on_paper=on_paper,
        answered_on=utcnow().date(),
    )
    return _store(session, response, answers)


def organisation_of_link(session: Session, link: MenteeLink) -> Organisation:
    return session.get(Organisation, link.organisation_id)
