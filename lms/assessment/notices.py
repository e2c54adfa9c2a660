"""Who is told what when a submission moves, and when an EQA's access begins and ends:
in-app and by e-mail.

Messages say only that something happened and where to look: no evidence, no feedback and no
trainee's name goes into an e-mail, which may be read by someone else; subjects say nothing of
what the site is about.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.assessment.models import Countersignature, Decision, EqaAccess, EqaGrant, Outcome
from lms.curriculum.models import CohortRole, CohortStaff, Enrolment, Unit
from lms.notifications.operations import notify
from lms.portfolio.models import Submission, SubmissionStatus

# A trainee's e-mail may be read by someone else: its subject says only that there is news.
NEW_MESSAGE = "You have a new message on Alongside"

_quiet: ContextVar[bool] = ContextVar("assessment_notices_quiet", default=False)


@contextmanager
def without_email():
    """Record in-app notifications but send no e-mail (loading demo data)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def _link(endpoint: str, **values) -> str | None:
    if has_request_context():
        return url_for(endpoint, **values)
    try:
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except Exception:
        return None


def _absolute(url: str | None) -> str | None:
    """`url` with the site's address: the request's, or PUBLIC_BASE_URL in a command."""
    if not url:
        return url
    if has_request_context():
        return request.host_url.rstrip("/") + url
    return current_app.config.get("PUBLIC_BASE_URL", "") + url


def _tell(
    session: Session,
    user: User,
    kind: str,
    message: str,
    url,
    *,
    template: str,
    subject: str,
    **context,
):
    notify(
        session,
        user,
        kind,
        message,
        url=url,
        template=None if _quiet.get() else template,
        subject=subject,
        link=_absolute(url),
        **context,
    )


def submission_arrived(session: Session, submission) -> None:
    enrolment = session.get(Enrolment, submission.enrolment_id)
    unit = session.get(Unit, submission.unit_id)
    if enrolment.cohort_id is None:
        return
    assessors = session.scalars(
        select(User)
        .join(CohortStaff, CohortStaff.user_id == User.id)
        .where(
            CohortStaff.cohort_id == enrolment.cohort_id, CohortStaff.role == CohortRole.ASSESSOR
        )
    )
    url = _link("assessment.judge", submission_id=submission.id)
    for assessor in assessors:
        _tell(
            session,
            assessor,
            "submission.arrived",
            f"A submission for {unit.code} is waiting in your assessment queue.",
            url,
            template="submission_arrived",
            subject="A submission is waiting for you on Alongside",
        )


def _trainee_link(submission) -> str | None:
    return _link(
        "portfolio.submission",
        enrolment_id=submission.enrolment_id,
        submission_id=submission.id,
    )


def _judged_message(code: str, submission, decision: Decision) -> str:
    if decision.outcome == Outcome.REFERRED:
        return f"Your assessor has looked at your {code} submission and suggested next steps."
    if submission.status == SubmissionStatus.ACHIEVED:
        return f"Your assessor has signed off {code}: the unit is achieved. Well done."
    return (
        f"Your assessor has signed off {code}; it is being checked before it is final. "
        "You do not need to do anything, and we will let you know when the check is done."
    )


def submission_judged(session: Session, submission, decision: Decision) -> None:
    """Tell the trainee her assessor's decision, and whether it is final yet."""
    unit = session.get(Unit, submission.unit_id)
    _tell(
        session,
        session.get(User, submission.trainee_id),
        "submission.judged",
        _judged_message(unit.code, submission, decision),
        _trainee_link(submission),
        template="submission_judged",
        subject=NEW_MESSAGE,
    )


def sign_off_confirmed(session: Session, submission) -> None:
    """The check of a sign-off agreed with it: the unit is now achieved."""
    unit = session.get(Unit, submission.unit_id)
    _tell(
        session,
        session.get(User, submission.trainee_id),
        "unit.achieved",
        f"The check of your {unit.code} sign-off is done: the unit is achieved and on your "
        "record. Well done.",
        _trainee_link(submission),
        template="unit_achieved",
        subject=NEW_MESSAGE,
    )


def sign_off_returned(session: Session, submission) -> None:
    """The check of a sign-off returned it to the assessor: tell the trainee plainly that her
    work is back with her assessor and what happens next, so that nothing seems to go
    backwards without a word."""
    unit = session.get(Unit, submission.unit_id)
    _tell(
        session,
        session.get(User, submission.trainee_id),
        "sign_off.returned",
        f"The check of your {unit.code} sign-off found something your assessor needs to look "
        "at again. Your work is back with your assessor: you do not need to do anything now, "
        "and they will let you know what happens next.",
        _trainee_link(submission),
        template="sign_off_returned",
        subject=NEW_MESSAGE,
    )


def decision_returned(
    session: Session, decision: Decision, by: Countersignature, *, reopened: bool
) -> None:
    """Tell the assessor that a countersigner or an IQA disagreed, and what happens next:
    the submission is back in their queue (`reopened`), or the decision stands (it was
    already final, or it referred the work back) and is to be talked through."""
    assessor = session.get(User, decision.assessor_id)
    submission = session.get(Submission, decision.submission_id)
    code = session.get(Unit, submission.unit_id).code
    who = "An internal quality assurer" if by.role.value == "iqa" else "A countersigning assessor"
    if reopened:
        message = (
            f"{who} has returned your sign-off of {code} with comments. It is back in "
            "your assessment queue: please read the comments and judge it again. "
            "The trainee has been told that it is back with you."
        )
        subject = "A decision has been returned to you on Alongside"
    else:
        message = (
            f"{who} has disagreed with your decision on {code} and left "
            "comments. The decision stands, so nothing changes for the trainee; please read "
            "the comments and talk them through with the quality assurer."
        )
        subject = "A quality assurer has commented on your decision on Alongside"
    _tell(
        session,
        assessor,
        "decision.returned",
        message,
        _link("assessment.judge", submission_id=decision.submission_id),
        template="decision_returned",
        subject=subject,
    )


# --- external quality assurers ------------------------------------------------------------------
# Her e-mail names the organisation and the dates, never a learner.


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _what_was_given(session: Session, grant: EqaGrant) -> tuple[Organisation, str]:
    """The organisation that gave the grant, and "the records of 2 learners"."""
    learners = session.scalar(
        select(func.count()).select_from(EqaAccess).where(EqaAccess.grant_id == grant.id)
    )
    records = f"the records of {'one learner' if learners == 1 else f'{learners} learners'}"
    return session.get(Organisation, grant.organisation_id), records


def eqa_access_given(session: Session, grant: EqaGrant) -> None:
    organisation, records = _what_was_given(session, grant)
    _tell(
        session,
        session.get(User, grant.user_id),
        "eqa.access_given",
        f"{organisation.name} has given you read-only access to {records}, "
        f"from {_day(grant.starts_on)} until {_day(grant.ends_on)}.",
        _link("assessment.eqa_home"),
        template="eqa_access_given",
        subject="Your access has been set up",
        sign_in=_absolute(_link("accounts.login")),
    )


def eqa_access_ended(session: Session, grant: EqaGrant) -> None:
    """Early (`grant.ended_at`), or at its end date."""
    organisation, records = _what_was_given(session, grant)
    period = f"from {_day(grant.starts_on)} until {_day(grant.ends_on)}"
    if grant.ended_at is not None:
        message = (
            f"{organisation.name} has ended the access it gave you to {records} ({period}). "
            "From now on you can no longer read their work."
        )
    else:
        message = f"The access {organisation.name} gave you to {records}, {period}, has ended."
    _tell(
        session,
        session.get(User, grant.user_id),
        "eqa.access_ended",
        message,
        _link("assessment.eqa_home"),
        template="eqa_access_ended",
        subject="A change to your access",
    )
