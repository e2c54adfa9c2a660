"""A coordinator's day on one screen: licence seats, trainees who have gone quiet, and the
units waiting longest for an assessor. A fixed number of queries, however many trainees.

A trainee's last activity is the latest of: when she was enrolled, when she last opened a
lesson, when she last started, saved or handed in a quiz attempt, when she last changed a
piece of evidence, and when she last submitted a unit. She has gone quiet when that is
`QUIET_DAYS` days ago or more (her enrolment still active).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.curriculum.models import Cohort, Enrolment, EnrolmentStatus, LessonProgress, Unit
from lms.franchise.licences import LicenceUsage, usages_for
from lms.portfolio.models import Evidence, Submission, SubmissionStatus
from lms.quizzes.models import QuizAttempt

QUIET_DAYS = 21
SHOWN = 5


def _as_aware(moment: datetime, now: datetime) -> datetime:
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment


def last_activity(organisation_ids: list[int]):
    """A subquery of (enrolment_id, last_at) for the active enrolments of these
    organisations (see the module's note for what counts)."""
    active = select(Enrolment.id).where(
        Enrolment.organisation_id.in_(organisation_ids),
        Enrolment.status != EnrolmentStatus.WITHDRAWN,
    )
    moments = union_all(
        select(Enrolment.id.label("enrolment_id"), Enrolment.enrolled_at.label("at")).where(
            Enrolment.id.in_(active)
        ),
        select(LessonProgress.enrolment_id, LessonProgress.last_viewed_at).where(
            LessonProgress.enrolment_id.in_(active)
        ),
        select(
            QuizAttempt.enrolment_id,
            func.coalesce(
                QuizAttempt.submitted_at, QuizAttempt.last_saved_at, QuizAttempt.started_at
            ),
        ).where(QuizAttempt.enrolment_id.in_(active)),
        select(Evidence.enrolment_id, Evidence.updated_at).where(Evidence.enrolment_id.in_(active)),
        select(Submission.enrolment_id, Submission.submitted_at).where(
            Submission.enrolment_id.in_(active)
        ),
    ).subquery()
    return (
        select(moments.c.enrolment_id, func.max(moments.c.at).label("last_at"))
        .group_by(moments.c.enrolment_id)
        .subquery()
    )


@dataclass(frozen=True)
class QuietCohort:
    cohort: Cohort | None
    organisation_name: str
    quiet: int


@dataclass(frozen=True)
class QuietTrainee:
    enrolment_id: int
    name: str
    cohort_name: str | None
    days: int


@dataclass(frozen=True)
class WaitingUnit:
    submission_id: int
    trainee: str
    unit_code: str
    unit_title: str
    days: int


@dataclass
class CoordinatorDay:
    organisation: Organisation
    licences: list[LicenceUsage]
    quiet_total: int
    quiet_cohorts: list[QuietCohort]
    quiet_trainees: list[QuietTrainee]
    waiting_total: int
    waiting: list[WaitingUnit]


def quiet_trainees(session: Session, organisation: Organisation, now: datetime):
    """(how many have gone quiet, by cohort (most first), the quietest few)."""
    cutoff = now - timedelta(days=QUIET_DAYS)
    last = last_activity([organisation.id])
    quiet = (
        select(Enrolment.id, Enrolment.cohort_id, last.c.last_at, User.display_name)
        .join(last, last.c.enrolment_id == Enrolment.id)
        .join(User, User.id == Enrolment.user_id)
        .where(last.c.last_at < cutoff)
        .subquery()
    )
    by_cohort = session.execute(
        select(Cohort, func.count(quiet.c.id))
        .select_from(quiet)
        .outerjoin(Cohort, Cohort.id == quiet.c.cohort_id)
        .group_by(quiet.c.cohort_id, Cohort.id)
        .order_by(func.count(quiet.c.id).desc(), Cohort.name)
    ).all()
    quietest = session.execute(
        select(quiet.c.id, quiet.c.display_name, Cohort.name, quiet.c.last_at)
        .outerjoin(Cohort, Cohort.id == quiet.c.cohort_id)
        .order_by(quiet.c.last_at, quiet.c.id)
        .limit(SHOWN)
    ).all()
    return (
        sum(count for _, count in by_cohort),
        [QuietCohort(cohort, organisation.name, count) for cohort, count in by_cohort[:SHOWN]],
        [
            QuietTrainee(id_, name, cohort, (now - _as_aware(at, now)).days)
            for id_, name, cohort, at in quietest
        ],
    )


def waiting_longest(session: Session, organisation: Organisation, now: datetime):
    """(how many submissions wait for an assessor, the few waiting longest)."""
    waiting = (
        Submission.organisation_id == organisation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
    )
    total = session.scalar(select(func.count(Submission.id)).where(*waiting)) or 0
    rows = session.execute(
        select(Submission.id, User.display_name, Unit.code, Unit.title, Submission.submitted_at)
        .join(User, User.id == Submission.trainee_id)
        .join(Unit, Unit.id == Submission.unit_id)
        .where(*waiting)
        .order_by(Submission.submitted_at, Submission.id)
        .limit(SHOWN)
    ).all()
    return total, [
        WaitingUnit(id_, name, code, title, (now - _as_aware(at, now)).days)
        for id_, name, code, title, at in rows
    ]


def coordinator_day(
    session: Session, organisation: Organisation, now: datetime, today: date | None = None
) -> CoordinatorDay:
    quiet_total, quiet_cohorts, quietest = quiet_trainees(session, organisation, now)
    waiting_total, waiting = waiting_longest(session, organisation, now)
    return CoordinatorDay(
        organisation,
        usages_for(session, [organisation.id], today or now.date()),
        quiet_total,
        quiet_cohorts,
        quietest,
        waiting_total,
        waiting,
    )
