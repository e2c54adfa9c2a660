"""Reading for assessors and quality assurers: queues and reports, in SQL-scoped queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.assessment.models import (
    AssessorStanding,
    Countersignature,
    CountersignRole,
    CriterionJudgement,
    Decision,
    EqaAccess,
    EqaGrant,
    IqaSample,
    StandardisationExercise,
)
from lms.assessment.rules import scope_submissions_to_judge
from lms.curriculum.models import AssessmentCriterion, Cohort, Enrolment, LearningOutcome, Unit
from lms.db import utcnow
from lms.i18n import current_zone, format_date, ngettext
from lms.ledger import checks as ledger
from lms.permissions import assessor_cohort_ids, iqa_organisation_ids
from lms.portfolio.models import Submission, SubmissionStatus, SubmittedEvidence

QUEUE_PAGE_SIZE = 50


class QueueEntry(NamedTuple):
    """One submission waiting, as the queue shows it: only the columns on the page."""

    submission_id: int
    submitted_at: datetime
    trainee_name: str
    unit_id: int
    unit_code: str
    unit_title: str
    cohort_name: str
    # For the links to record an observation or a professional discussion for her.
    enrolment_id: int

    @property
    def age_days(self) -> int:
        return (utcnow() - self.submitted_at).days

    @property
    def cursor(self) -> str:
        """Where the page after this entry starts (keyset: oldest first, then by id)."""
        return f"{self.submitted_at.strftime('%Y%m%d%H%M%S%f')}-{self.submission_id}"


@dataclass(frozen=True)
class QueuePage:
    entries: list[QueueEntry]
    # Everything waiting under the same filters, on every page.
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class AssessorQueue:
    """Everything the queue page shows: the assessor's cohorts (id, name) and the units
    waiting with how many of each (id, code, how many) for its filters, a page of what waits,
    each entry with the day it was submitted and how long it has waited in the reader's
    words, and the sign-offs waiting for her countersignature."""

    cohorts: list[tuple[int, str]]
    units: list[tuple[int, str, int]]
    page: QueuePage
    rows: list[tuple[QueueEntry, str, str]]
    countersign: list[QueueEntry]


def parse_queue_cursor(text: str | None) -> tuple[datetime, int] | None:
    """The cursor of a queue page's link, or None (the first page) for anything else."""
    stamp, _, number = (text or "").partition("-")
    try:
        moment = datetime.strptime(stamp, "%Y%m%d%H%M%S%f").replace(tzinfo=UTC)
        return moment, int(number)
    except ValueError:
        return None


def _cohort_names(session: Session, user: User) -> list[tuple[int, str]]:
    """(id, name) of the cohorts `user` assesses, by name: `assessor_cohort_ids`' rows."""
    return [
        (id_, name)
        for id_, name in session.execute(
            select(Cohort.id, Cohort.name)
            .where(Cohort.id.in_(assessor_cohort_ids(user)))
            .order_by(Cohort.name, Cohort.id)
        )
    ]


def _queue_query(
    columns,
    scope: ColumnElement[bool],
    status: SubmissionStatus,
    cohort_id: int | None,
    unit_id: int | None,
) -> Select:
    query = (
        select(*columns)
        .select_from(Submission)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .where(Submission.status == status, scope)
    )
    if cohort_id:
        query = query.where(Enrolment.cohort_id == cohort_id)
    if unit_id:
        query = query.where(Submission.unit_id == unit_id)
    return query


def assessor_queue(
    session: Session,
    user: User,
    *,
    status: SubmissionStatus = SubmissionStatus.SUBMITTED,
    cohort_id: int | None = None,
    unit_id: int | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = QUEUE_PAGE_SIZE,
    scope: ColumnElement[bool] | None = None,
    where: Iterable[ColumnElement[bool]] = (),
) -> list[QueueEntry]:
    """A page of submissions from the assessor's cohorts in `status`, oldest first, starting
    after the cursor `after` (one query, the page's columns only). `scope` is
    `scope_submissions_to_judge(user)` when the caller has it already."""
    query = (
        _queue_query(
            (
                Submission.id,
                Submission.submitted_at,
                User.display_name,
                Unit.id,
                Unit.code,
                Unit.title,
                Cohort.name,
                Submission.enrolment_id,
            ),
            scope_submissions_to_judge(user) if scope is None else scope,
            status,
            cohort_id,
            unit_id,
        )
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(User, User.id == Submission.trainee_id)
        .join(Unit, Unit.id == Submission.unit_id)
        .where(*where)
        .order_by(Submission.submitted_at, Submission.id)
        .limit(limit)
    )
    if after is not None:
        moment, submission_id = after
        query = query.where(
            or_(
                Submission.submitted_at > moment,
                and_(Submission.submitted_at == moment, Submission.id > submission_id),
            )
        )
    return [QueueEntry(*row) for row in session.execute(query)]


def queue_page(
    session: Session,
    user: User,
    *,
    cohort_id: int | None = None,
    unit_id: int | None = None,
    after: tuple[datetime, int] | None = None,
) -> AssessorQueue:
    """The queue page, in four queries whatever the queue's length: her cohorts, the units
    waiting (which give the total), a page of entries, and the sign-offs to countersign."""
    cohorts = _cohort_names(session, user)
    # Her cohorts as just read: the same as `assessor_cohort_ids`, without asking again.
    scope = scope_submissions_to_judge(user, cohort_ids=[id_ for id_, _ in cohorts])
    units = queue_units(session, user, cohort_id=cohort_id, scope=scope)
    total = sum(count for id_, _, count in units if unit_id in (None, id_))
    entries = assessor_queue(
        session,
        user,
        cohort_id=cohort_id,
        unit_id=unit_id,
        after=after,
        limit=QUEUE_PAGE_SIZE + 1,
        scope=scope,
    )
    more = len(entries) > QUEUE_PAGE_SIZE
    entries = entries[:QUEUE_PAGE_SIZE]
    return AssessorQueue(
        cohorts=cohorts,
        units=units,
        page=QueuePage(entries, total, entries[-1].cursor if more else None),
        rows=_with_days_in_words(entries),
        countersign=countersign_queue(session, user, scope=scope),
    )


def _with_days_in_words(entries: list[QueueEntry]) -> list[tuple[QueueEntry, str, str]]:
    """Each entry with the day it was submitted (on the reader's calendar) and how long it
    has waited ("3 days"), in the reader's language: each different day written once."""
    now, zone = utcnow(), current_zone()
    dates: dict[date, str] = {}
    waits: dict[int, str] = {}
    rows = []
    for entry in entries:
        day = entry.submitted_at.astimezone(zone).date()
        if day not in dates:
            dates[day] = format_date(day)
        days = (now - entry.submitted_at).days
        if days not in waits:
            waits[days] = ngettext("%(num)d day", "%(num)d days", days)
        rows.append((entry, dates[day], waits[days]))
    return rows


@dataclass
class SampleRow:
    sample: IqaSample
    decision: Decision
    submission: Submission
    assessor: User
    trainee: User
    unit: Unit
    organisation: Organisation


def iqa_samples(session: Session, user: User, *, pending_only: bool = True) -> list[SampleRow]:
    """Sampled decisions in the organisations this IQA quality-assures, oldest first."""
    assessor = User.__table__.alias("assessor")
    query = (
        select(IqaSample, Decision, Submission, assessor.c.id, User, Unit, Organisation)
        .join(Decision, Decision.id == IqaSample.decision_id)
        .join(Submission, Submission.id == Decision.submission_id)
        .join(assessor, assessor.c.id == Decision.assessor_id)
        .join(User, User.id == Submission.trainee_id)
        .join(Unit, Unit.id == Submission.unit_id)
        .join(Organisation, Organisation.id == IqaSample.organisation_id)
        .where(IqaSample.organisation_id.in_(iqa_organisation_ids(user)))
        .order_by(IqaSample.created_at, IqaSample.id)
    )
    if pending_only:
        query = query.where(IqaSample.status == "pending")
    rows = list(session.execute(query))
    people = {
        u.id: u for u in session.scalars(select(User).where(User.id.in_({r[3] for r in rows})))
    }
    return [SampleRow(s, d, sub, people[a], t, u, o) for s, d, sub, a, t, u, o in rows]


@dataclass
class AssessorReport:
    assessor: User
    decisions: int = 0
    signed_off: int = 0
    referred: int = 0
    sampled: int = 0
    agreed: int = 0
    disagreed: int = 0
    days_to_decision: list[float] | None = None

    @property
    def coverage(self) -> int:
        return round(100 * self.sampled / self.decisions) if self.decisions else 0

    @property
    def agreement_rate(self) -> int | None:
        reviewed = self.agreed + self.disagreed
        return round(100 * self.agreed / reviewed) if reviewed else None

    @property
    def average_days(self) -> float | None:
        days = self.days_to_decision or []
        return round(sum(days) / len(days), 1) if days else None


def iqa_report(session: Session, organisation_ids) -> list[AssessorReport]:
    """Per assessor: decisions, how many were sampled, how often the IQA agreed, and how long
    trainees waited from submitting to a decision."""
    rows = session.execute(
        select(Decision, Submission.submitted_at, IqaSample.id)
        .join(Submission, Submission.id == Decision.submission_id)
        .outerjoin(IqaSample, IqaSample.decision_id == Decision.id)
        .where(Decision.organisation_id.in_(organisation_ids))
        .order_by(Decision.decided_at)
    ).all()
    verdicts = defaultdict(list)
    for decision_id, agrees in session.execute(
        select(Countersignature.decision_id, Countersignature.agrees).where(
            Countersignature.role == CountersignRole.IQA,
            Countersignature.decision_id.in_([d.id for d, _, _ in rows]),
        )
    ):
        verdicts[decision_id].append(agrees)
    assessors = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({d.assessor_id for d, _, _ in rows}))
        )
    }
    reports: dict[int, AssessorReport] = {}
    for decision, submitted_at, sample_id in rows:
        report = reports.setdefault(
            decision.assessor_id,
            AssessorReport(assessors[decision.assessor_id], days_to_decision=[]),
        )
        report.decisions += 1
        if decision.outcome.value == "signed_off":
            report.signed_off += 1
        else:
            report.referred += 1
        if sample_id is not None:
            report.sampled += 1
        for agrees in verdicts.get(decision.id, []):
            if agrees:
                report.agreed += 1
            else:
                report.disagreed += 1
        report.days_to_decision.append((decision.decided_at - submitted_at).total_seconds() / 86400)
    return sorted(reports.values(), key=lambda r: r.assessor.display_name)


@dataclass
class DecisionView:
    decision: Decision
    assessor: User
    judgements: dict
    countersignatures: list
    sample: IqaSample | None
    # Whether the decision as stored matches what was signed (lms.ledger).
    verified: bool = False


@dataclass
class History:
    unit: Unit
    criteria: list
    decisions: list[DecisionView]
    people: dict

    @property
    def latest(self) -> DecisionView | None:
        return self.decisions[-1] if self.decisions else None


def decision_history(
    session: Session, submission: Submission, *, items: list[SubmittedEvidence] | None = None
) -> History:
    """Everything decided about a submission, oldest first, in a fixed number of queries
    whatever the number of decisions: fewer when nothing is decided yet, and when the caller
    has loaded the submission's evidence (`items`)."""
    unit = session.get(Unit, submission.unit_id)
    criteria = _criteria_in_order(session, unit)
    rows = session.execute(
        select(Decision, IqaSample)
        .outerjoin(IqaSample, IqaSample.decision_id == Decision.id)
        .where(Decision.submission_id == submission.id)
        .options(selectinload(Decision.judgements))
        .order_by(Decision.decided_at, Decision.id)
    ).all()
    decisions = [decision for decision, _ in rows]
    samples = {decision.id: sample for decision, sample in rows if sample is not None}
    ids = [d.id for d in decisions]
    signatures = _countersignatures_by_decision(session, ids) if ids else {}
    people = _people_in_history(session, submission, decisions, signatures, items)
    verified = ledger.verified(session, "assessment_decision", ids)
    views = [
        DecisionView(
            decision=d,
            assessor=people[d.assessor_id],
            judgements={j.criterion_id: j for j in d.judgements},
            countersignatures=signatures.get(d.id, []),
            sample=samples.get(d.id),
            verified=verified.get(d.id, False),
        )
        for d in decisions
    ]
    return History(unit=unit, criteria=criteria, decisions=views, people=people)


def submitted_evidence(session: Session, submission: Submission) -> list[SubmittedEvidence]:
    """The evidence frozen in `submission`, in the order it was submitted, loaded as its
    `items` (one query)."""
    items = list(
        session.scalars(
            select(SubmittedEvidence)
            .where(SubmittedEvidence.submission_id == submission.id)
            .order_by(SubmittedEvidence.id)
        )
    )
    set_committed_value(submission, "items", items)
    return items


def _criteria_in_order(session: Session, unit: Unit) -> list[AssessmentCriterion]:
    return list(
        session.scalars(
            select(AssessmentCriterion)
            .join(LearningOutcome, LearningOutcome.id == AssessmentCriterion.outcome_id)
            .where(AssessmentCriterion.unit_id == unit.id)
            .order_by(
                LearningOutcome.position, LearningOutcome.number, AssessmentCriterion.position
            )
        )
    )


def _countersignatures_by_decision(
    session: Session, decision_ids: list[int]
) -> dict[int, list[Countersignature]]:
    signatures = defaultdict(list)
    for countersignature in session.scalars(
        select(Countersignature)
        .where(Countersignature.decision_id.in_(decision_ids))
        .order_by(Countersignature.signed_at)
    ):
        signatures[countersignature.decision_id].append(countersignature)
    return signatures


def _people_in_history(
    session: Session,
    submission: Submission,
    decisions: list[Decision],
    signatures: dict[int, list[Countersignature]],
    items: list[SubmittedEvidence] | None = None,
) -> dict[int, User]:
    """Assessors, countersigners, and the assessors who recorded evidence (an observation):
    read from `items` when the caller has them."""
    people_ids = {d.assessor_id for d in decisions} | {
        c.user_id for cs in signatures.values() for c in cs
    }
    if items is not None:
        item_people = {item.recorded_by_id for item in items if item.recorded_by_id is not None}
    else:
        item_people = set(
            session.scalars(
                select(SubmittedEvidence.recorded_by_id).where(
                    SubmittedEvidence.submission_id == submission.id,
                    SubmittedEvidence.recorded_by_id.is_not(None),
                )
            )
        )
    if not people_ids | item_people:
        return {}
    return {
        u.id: u for u in session.scalars(select(User).where(User.id.in_(people_ids | item_people)))
    }


def assessors_with_standing(session: Session, organisation_id: int) -> list[tuple[User, bool]]:
    """The organisation's assessors, each with whether they are still qualifying."""
    from lms.accounts.models import Membership
    from lms.accounts.roles import Role
    from lms.assessment.models import AssessorStanding

    rows = session.execute(
        select(User, AssessorStanding.is_trainee_assessor)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(
            AssessorStanding,
            (AssessorStanding.user_id == User.id)
            & (AssessorStanding.organisation_id == organisation_id),
        )
        .where(Membership.organisation_id == organisation_id, Membership.role == Role.ASSESSOR)
        .order_by(User.display_name)
    )
    return [(user, bool(trainee)) for user, trainee in rows]


def unit_has_judgements(session: Session, unit: Unit) -> bool:
    """Whether a decision has judged any of the unit's criteria: the unit is then in use, and
    the curriculum makes a new version of it rather than rewrite it."""
    criteria = select(AssessmentCriterion.id).where(AssessmentCriterion.unit_id == unit.id)
    return bool(
        session.scalar(select(exists().where(CriterionJudgement.criterion_id.in_(criteria))))
    )


# --- what the assessment pages show ---------------------------------------------------------


def _trainee_assessor_organisation_ids(session: Session, user: User) -> set[int]:
    return set(
        session.scalars(
            select(AssessorStanding.organisation_id).where(
                AssessorStanding.user_id == user.id,
                AssessorStanding.is_trainee_assessor.is_(True),
            )
        )
    )


def countersign_queue(
    session: Session, user: User, *, scope: ColumnElement[bool] | None = None
) -> list[QueueEntry]:
    """Trainee assessors' sign-offs this assessor may countersign: none in organisations where
    she is still qualifying herself (one query)."""
    qualifying = select(AssessorStanding.organisation_id).where(
        AssessorStanding.user_id == user.id, AssessorStanding.is_trainee_assessor.is_(True)
    )
    return assessor_queue(
        session,
        user,
        status=SubmissionStatus.AWAITING_COUNTERSIGN,
        scope=scope,
        where=[Submission.organisation_id.not_in(qualifying)],
    )


def queue_units(
    session: Session,
    user: User,
    *,
    cohort_id: int | None = None,
    scope: ColumnElement[bool] | None = None,
) -> list[tuple[int, str, int]]:
    """(id, code, how many) of the units waiting in the assessor's queue, by code."""
    count = func.count(Submission.id)
    query = (
        _queue_query(
            (Unit.id, Unit.code, count),
            scope_submissions_to_judge(user) if scope is None else scope,
            SubmissionStatus.SUBMITTED,
            cohort_id,
            None,
        )
        .join(Unit, Unit.id == Submission.unit_id)
        .group_by(Unit.id, Unit.code)
        .order_by(Unit.code, Unit.id)
    )
    return [(id_, code, number) for id_, code, number in session.execute(query)]


def may_countersign(session: Session, user: User, submission: Submission, history: History) -> bool:
    """Whether `user` may countersign the sign-off `submission` waits on: someone other than
    its assessor, who is not qualifying herself in the submission's organisation."""
    latest = history.latest
    return (
        submission.status == SubmissionStatus.AWAITING_COUNTERSIGN
        and latest is not None
        and latest.decision.assessor_id != user.id
        and submission.organisation_id not in _trainee_assessor_organisation_ids(session, user)
    )


def iqa_organisations(session: Session, user: User) -> list[Organisation]:
    """The organisations whose assessment this IQA quality-assures, by name."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(iqa_organisation_ids(user)))
            .order_by(Organisation.name)
        )
    )


def unsampled_decisions(
    session: Session, organisation_ids: list[int], *, limit: int = 30
) -> list[tuple[Decision, Submission, Unit]]:
    """The latest decisions in these organisations that are not in the sample, newest first."""
    return list(
        session.execute(
            select(Decision, Submission, Unit)
            .join(Submission, Submission.id == Decision.submission_id)
            .join(Unit, Unit.id == Submission.unit_id)
            .where(
                Decision.organisation_id.in_(organisation_ids),
                Decision.id.not_in(select(IqaSample.decision_id)),
            )
            .order_by(Decision.decided_at.desc())
            .limit(limit)
        )
    )


def standardisation_exercises(
    session: Session, organisation_ids: list[int]
) -> list[StandardisationExercise]:
    """Standardisation exercises set in these organisations, newest first."""
    return list(
        session.scalars(
            select(StandardisationExercise)
            .where(StandardisationExercise.organisation_id.in_(organisation_ids))
            .order_by(StandardisationExercise.created_at.desc())
        )
    )


def exercises_for_enrolments(
    session: Session, enrolment_ids: list[int]
) -> list[StandardisationExercise]:
    """Standardisation exercises on these enrolments' work (what an EQA may look at)."""
    return list(
        session.scalars(
            select(StandardisationExercise)
            .join(Submission, Submission.id == StandardisationExercise.submission_id)
            .where(Submission.enrolment_id.in_(enrolment_ids))
            .order_by(StandardisationExercise.created_at.desc())
        )
    )


def organisation_and_partners_ids(session: Session, organisation: Organisation) -> list[int]:
    """The organisation, and its partners when it is a franchisor (what its report covers)."""
    ids = [organisation.id]
    if organisation.is_franchisor:
        ids += session.scalars(
            select(Organisation.id).where(Organisation.franchisor_id == organisation.id)
        )
    return ids


def _assessors_where(organisation_id: int) -> ColumnElement[bool]:
    return User.memberships.any(role=Role.ASSESSOR, organisation_id=organisation_id)


def assessor_in(session: Session, organisation_id: int, user_id: int) -> User | None:
    """The person `user_id` if she is an assessor of the organisation."""
    return session.scalar(select(User).where(User.id == user_id, _assessors_where(organisation_id)))


def assessors_of(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User).where(_assessors_where(organisation_id)).order_by(User.display_name)
        )
    )


def people(session: Session, user_ids) -> dict[int, User]:
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(user_ids))))}


def recent_submissions(
    session: Session, organisation_id: int, *, limit: int = 100
) -> list[tuple[Submission, Unit]]:
    """The organisation's latest submissions, newest first (evidence for standardisation)."""
    return list(
        session.execute(
            select(Submission, Unit)
            .join(Unit, Unit.id == Submission.unit_id)
            .where(Submission.organisation_id == organisation_id)
            .order_by(Submission.submitted_at.desc())
            .limit(limit)
        )
    )


def learners_of(session: Session, organisation_id: int) -> list[tuple[Enrolment, User]]:
    """Every enrolment of the organisation with its trainee, by name."""
    return list(
        session.execute(
            select(Enrolment, User)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.organisation_id == organisation_id)
            .order_by(User.display_name)
        )
    )


@dataclass(frozen=True)
class GrantRow:
    grant: EqaGrant
    eqa: User
    learners: list[User]
    ended_by: User | None


def eqa_grants(session: Session, organisation_id: int) -> list[GrantRow]:
    """The grants the organisation has given, ended ones too, latest ending first, with
    their EQA, learners and who ended them (three queries)."""
    return _grant_rows(
        session,
        session.execute(
            select(EqaGrant, User)
            .join(User, User.id == EqaGrant.user_id)
            .where(EqaGrant.organisation_id == organisation_id)
            .order_by(EqaGrant.ends_on.desc(), EqaGrant.id.desc())
        ).all(),
    )


def eqa_grant(session: Session, grant: EqaGrant) -> GrantRow:
    return _grant_rows(session, [(grant, session.get(User, grant.user_id))])[0]


def _grant_rows(session: Session, grants: list[tuple[EqaGrant, User]]) -> list[GrantRow]:
    learners = defaultdict(list)
    for grant_id, person in session.execute(
        select(EqaAccess.grant_id, User)
        .join(Enrolment, Enrolment.id == EqaAccess.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .where(EqaAccess.grant_id.in_([grant.id for grant, _ in grants]))
        .order_by(User.display_name, EqaAccess.id)
    ):
        learners[grant_id].append(person)
    enders = people(session, {grant.ended_by_id for grant, _ in grants if grant.ended_by_id})
    return [
        GrantRow(grant, eqa, learners[grant.id], enders.get(grant.ended_by_id))
        for grant, eqa in grants
    ]
