"""The IQA's and the EQA's day on one screen, in a fixed number of queries however many
decisions, samples and learners there are (lists are cut at `SHOWN`, with a link to the full
page).

An IQA's sampled decisions are flagged by risk:
- new assessor: sampled as one of the assessor's first decisions, or made by a trainee
  assessor;
- referral: the decision referred the unit back;
- first on the unit: the assessor's first decision on that unit (by code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from lms.accounts.models import Organisation, User
from lms.assessment.models import (
    Decision,
    EqaAccess,
    EqaGrant,
    IqaSample,
    Outcome,
    SampleReason,
    SampleStatus,
    SamplingPlan,
    StandardisationExercise,
)
from lms.assessment.progress import iqa_coverage
from lms.assessment.quality import EqaLearner, eqa_learners
from lms.assessment.queries import (
    QueueEntry,
    assessor_queue,
    countersign_queue,
    exercises_for_enrolments,
    queue_units,
)
from lms.curriculum.models import Unit
from lms.i18n import _l
from lms.permissions import iqa_organisation_ids
from lms.portfolio.models import Submission

SHOWN = 5

RISKS = (
    ("new_assessor", _l("New assessor")),
    ("referral", _l("Referral")),
    ("first_on_unit", _l("First decision on the unit")),
)


def _risk_columns():
    earlier = aliased(Decision)
    earlier_submission = aliased(Submission)
    first_on_unit = ~exists().where(
        earlier.assessor_id == Decision.assessor_id,
        earlier.id < Decision.id,
        earlier_submission.id == earlier.submission_id,
        earlier_submission.unit_code == Submission.unit_code,
    )
    return {
        "new_assessor": (IqaSample.reason == SampleReason.NEW_ASSESSOR)
        | Decision.by_trainee_assessor.is_(True),
        "referral": Decision.outcome == Outcome.REFERRED,
        "first_on_unit": first_on_unit,
    }


@dataclass(frozen=True)
class PendingSample:
    sample_id: int
    assessor_id: int
    trainee: str
    unit_code: str
    unit_title: str
    outcome: Outcome
    sampled_at: datetime
    risks: list[str]


@dataclass(frozen=True)
class Coverage:
    organisation: Organisation
    text: str
    plan_percentage: int | None


@dataclass
class IqaDay:
    pending: int
    by_assessor: list[tuple[User, int]]
    by_risk: list[tuple[str, int]]
    oldest: list[PendingSample]
    assessors: dict[int, User]
    coverage: list[Coverage]
    exercises: list[StandardisationExercise] = field(default_factory=list)


def _pending(user: User):
    return and_(
        IqaSample.organisation_id.in_(iqa_organisation_ids(user)),
        IqaSample.status == SampleStatus.PENDING,
    )


def _sample_joins(statement):
    return (
        statement.select_from(IqaSample)
        .join(Decision, Decision.id == IqaSample.decision_id)
        .join(Submission, Submission.id == Decision.submission_id)
    )


def iqa_day(session: Session, user: User) -> IqaDay:
    """Her pending samples by assessor and by risk, the oldest few, the coverage of each
    organisation's sampling plan, and the standardisation exercises she runs that are open."""
    risks = _risk_columns()
    by_assessor_rows = session.execute(
        _sample_joins(select(Decision.assessor_id, func.count()))
        .where(_pending(user))
        .group_by(Decision.assessor_id)
        .order_by(func.count().desc(), Decision.assessor_id)
    ).all()
    counts = session.execute(
        _sample_joins(
            select(
                func.count(),
                *(func.sum(case((column, 1), else_=0)) for column in risks.values()),
            )
        ).where(_pending(user))
    ).one()
    trainee = aliased(User)
    oldest = [
        PendingSample(
            row.id,
            row.assessor_id,
            row.display_name,
            row.code,
            row.title,
            row.outcome,
            row.created_at,
            [str(label) for key, label in RISKS if getattr(row, key)],
        )
        for row in session.execute(
            _sample_joins(
                select(
                    IqaSample.id,
                    IqaSample.created_at,
                    Decision.assessor_id,
                    Decision.outcome,
                    trainee.display_name,
                    Unit.code,
                    Unit.title,
                    *(column.label(key) for key, column in risks.items()),
                )
            )
            .join(trainee, trainee.id == Submission.trainee_id)
            .join(Unit, Unit.id == Submission.unit_id)
            .where(_pending(user))
            .order_by(IqaSample.created_at, IqaSample.id)
            .limit(SHOWN)
        )
    ]
    people_ids = {a for a, _ in by_assessor_rows} | {s.assessor_id for s in oldest}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(people_ids)))}
    return IqaDay(
        pending=counts[0] or 0,
        by_assessor=[(people[a], n) for a, n in by_assessor_rows[:SHOWN]],
        by_risk=[(str(label), counts[i + 1] or 0) for i, (_key, label) in enumerate(RISKS)],
        oldest=oldest,
        assessors=people,
        coverage=sampling_coverage(session, user),
        exercises=open_exercises(session, user),
    )


def sampling_coverage(session: Session, user: User) -> list[Coverage]:
    """For each organisation she quality-assures: how much of it has been sampled, against
    its plan (four queries)."""
    organisations = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(iqa_organisation_ids(user)))
            .order_by(Organisation.name)
            .limit(SHOWN)
        )
    )
    ids = [o.id for o in organisations]
    texts = iqa_coverage(session, ids)
    plans = dict(
        session.execute(
            select(SamplingPlan.organisation_id, SamplingPlan.percentage).where(
                SamplingPlan.organisation_id.in_(ids)
            )
        ).all()
    )
    return [Coverage(o, texts[o.id], plans.get(o.id)) for o in organisations]


def open_exercises(session: Session, user: User) -> list[StandardisationExercise]:
    """Standardisation exercises she set that are not closed yet, newest first."""
    return list(
        session.scalars(
            select(StandardisationExercise)
            .where(
                StandardisationExercise.created_by_id == user.id,
                StandardisationExercise.closed_at.is_(None),
            )
            .order_by(StandardisationExercise.created_at.desc(), StandardisationExercise.id)
            .limit(SHOWN)
        )
    )


# --- external quality assurance ---------------------------------------------------------------


@dataclass(frozen=True)
class GrantSummary:
    organisation: Organisation
    ends_on: date
    learners: int
    days_left: int


@dataclass
class EqaDay:
    grants: list[GrantSummary]
    learners: list[EqaLearner]
    learner_total: int
    exercises: list[StandardisationExercise]


def eqa_day(session: Session, eqa: User, today: date) -> EqaDay:
    """The access she has been granted today (by organisation, with the learners in it and
    the days left), the learners whose records make her sample, and the standardisation
    exercises on their work."""
    rows = session.execute(
        select(EqaGrant.ends_on, Organisation, func.count(EqaAccess.id))
        .join(Organisation, Organisation.id == EqaGrant.organisation_id)
        .outerjoin(EqaAccess, EqaAccess.grant_id == EqaGrant.id)
        .where(
            EqaGrant.user_id == eqa.id,
            EqaGrant.starts_on <= today,
            EqaGrant.ends_on >= today,
            EqaGrant.ended_at.is_(None),
        )
        .group_by(EqaGrant.id, EqaGrant.ends_on, Organisation.id)
        .order_by(EqaGrant.ends_on, EqaGrant.id)
    ).all()
    grants = [
        GrantSummary(organisation, ends_on, learners, (ends_on - today).days)
        for ends_on, organisation, learners in rows
    ]
    learners = eqa_learners(session, eqa)
    exercises = exercises_for_enrolments(session, [learner.enrolment.id for learner in learners])
    return EqaDay(grants, learners[:SHOWN], len(learners), exercises[:SHOWN])


# --- the assessor's day ---------------------------------------------------------------------

ASSESSOR_DAY_ROWS = 5


@dataclass(frozen=True)
class AssessorDay:
    waiting: list[QueueEntry]
    total: int
    countersign: int


def assessor_day(session: Session, user: User) -> AssessorDay:
    """What waits for her decision, longest first (the top few), how much in all, and how
    many sign-offs wait for her countersignature: three queries, whatever the queue."""
    units = queue_units(session, user)
    return AssessorDay(
        waiting=assessor_queue(session, user, limit=ASSESSOR_DAY_ROWS),
        total=sum(count for _, _, count in units),
        countersign=len(countersign_queue(session, user)),
    )
