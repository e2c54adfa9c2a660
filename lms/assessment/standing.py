"""Where a trainee stands, unit by unit and criterion by criterion: her evidence and
submissions (the portfolio's) as judged by the latest decisions (assessment's). It lives here
because assessment builds on the portfolio, never the other way round; the portfolio's pages
read it.

Read in a fixed number of queries whatever the size of the portfolio: the units, their
criteria, the evidence links, the submissions, the latest decisions with their judgements, and
each unit's standing (`lms.assessment.unit_status`: achieved only when the learner record says
so, as every other page and the API).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms.assessment.models import CriterionJudgement, Decision
from lms.assessment.unit_status import (
    NOT_SUBMITTED,
    UnitStanding,
    UnitStatus,
    achieved_exists,
    decided_exists,
    standing_of,
    unit_standings,
)
from lms.curriculum.models import AssessmentCriterion, CourseUnit, Enrolment, LearningOutcome, Unit
from lms.i18n import _
from lms.portfolio.models import Evidence, EvidenceCriterion, Submission, SubmissionStatus


class CriterionStatus(StrEnum):
    NO_EVIDENCE = "no_evidence"
    EVIDENCE_ADDED = "evidence_added"
    SUBMITTED = "submitted"
    MET = "met"
    NOT_YET_MET = "not_yet_met"

    @property
    def label(self) -> str:
        return {
            "no_evidence": _("No evidence yet"),
            "evidence_added": _("Evidence added, not submitted"),
            "submitted": _("Submitted"),
            "met": _("Met"),
            "not_yet_met": _("Not yet met"),
        }[self.value]


@dataclass
class CriterionProgress:
    criterion: AssessmentCriterion
    status: CriterionStatus
    evidence_ids: list[int] = field(default_factory=list)
    feedback: str = ""


@dataclass
class UnitProgress:
    unit: Unit
    criteria: list[CriterionProgress]
    outcomes: list[LearningOutcome]
    latest_submission: Submission | None
    latest_decision: Decision | None
    standing: UnitStanding = NOT_SUBMITTED

    @property
    def status(self) -> UnitStatus:
        """Where the unit stands, as every other page and the API say it."""
        return self.standing.status

    @property
    def total(self) -> int:
        return len(self.criteria)

    @property
    def met(self) -> int:
        return sum(1 for c in self.criteria if c.status == CriterionStatus.MET)

    @property
    def with_evidence(self) -> int:
        return sum(1 for c in self.criteria if c.status != CriterionStatus.NO_EVIDENCE)

    @property
    def achieved(self) -> bool:
        return self.status == UnitStatus.ACHIEVED

    @property
    def can_submit(self) -> bool:
        return self.status in (UnitStatus.NOT_SUBMITTED, UnitStatus.REFERRED)

    def criteria_of(self, outcome: LearningOutcome) -> list[CriterionProgress]:
        return [c for c in self.criteria if c.criterion.outcome_id == outcome.id]


def latest_decisions(session: Session, submission_ids) -> dict[int, Decision]:
    """The most recent decision on each submission, with its judgements."""
    ids = list(submission_ids)
    if not ids:
        return {}
    decisions = session.scalars(
        select(Decision)
        .where(Decision.submission_id.in_(ids))
        .options(selectinload(Decision.judgements))
        .order_by(Decision.decided_at, Decision.id)
    )
    return {d.submission_id: d for d in decisions}


def portfolio_progress(
    session: Session, enrolment: Enrolment, unit_ids: list[int] | None = None
) -> list[UnitProgress]:
    units = _course_units(session, enrolment, unit_ids)
    ids = [u.id for u in units]
    outcomes = list(
        session.scalars(
            select(LearningOutcome)
            .where(LearningOutcome.unit_id.in_(ids))
            .order_by(LearningOutcome.position, LearningOutcome.number)
        )
    )
    criteria = list(
        session.scalars(
            select(AssessmentCriterion)
            .where(AssessmentCriterion.unit_id.in_(ids))
            .order_by(AssessmentCriterion.outcome_id, AssessmentCriterion.position)
        )
    )
    covering = _evidence_covering(session, enrolment)
    latest = _latest_submissions(session, enrolment, ids)
    decisions = latest_decisions(session, [s.id for s in latest.values()])
    standings = unit_standings(session, [enrolment.id], ids)

    position = {o.id: (o.position, o.number) for o in outcomes}
    criteria.sort(key=lambda c: (position.get(c.outcome_id, (0, 0)), c.position))
    result = []
    for unit in units:
        submission = latest.get(unit.id)
        decision = decisions.get(submission.id) if submission else None
        judged = {j.criterion_id: j for j in decision.judgements} if decision else {}
        result.append(
            UnitProgress(
                unit=unit,
                criteria=[
                    _criterion_progress(c, covering.get(c.id, []), submission, judged)
                    for c in criteria
                    if c.unit_id == unit.id
                ],
                outcomes=[o for o in outcomes if o.unit_id == unit.id],
                latest_submission=submission,
                latest_decision=decision,
                standing=standings.get((enrolment.id, unit.id), NOT_SUBMITTED),
            )
        )
    return result


def _course_units(session: Session, enrolment: Enrolment, unit_ids: list[int] | None) -> list[Unit]:
    query = (
        select(Unit)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == enrolment.course_id)
        .order_by(CourseUnit.position)
    )
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids))
    return list(session.scalars(query))


def _evidence_covering(session: Session, enrolment: Enrolment) -> dict[int, list[int]]:
    """Criterion id -> ids of the trainee's evidence claiming it."""
    covering: dict[int, list[int]] = defaultdict(list)
    for criterion_id, evidence_id in session.execute(
        select(EvidenceCriterion.criterion_id, EvidenceCriterion.evidence_id)
        .join(Evidence, Evidence.id == EvidenceCriterion.evidence_id)
        .where(Evidence.enrolment_id == enrolment.id)
        .order_by(EvidenceCriterion.evidence_id)
    ):
        covering[criterion_id].append(evidence_id)
    return covering


def _latest_submissions(
    session: Session, enrolment: Enrolment, unit_ids: list[int]
) -> dict[int, Submission]:
    """Unit id -> the unit's latest submission (of any version of the unit: one submitted
    before the unit was changed still stands for it)."""
    latest: dict[int, Submission] = {}
    for submission, unit_id in session.execute(
        select(Submission, Unit.id)
        .join(Unit, Unit.code == Submission.unit_code)
        .where(Submission.enrolment_id == enrolment.id, Unit.id.in_(unit_ids))
        .order_by(Submission.number)
    ):
        latest[unit_id] = submission
    return latest


def _criterion_progress(
    criterion: AssessmentCriterion,
    evidence_ids: list[int],
    submission: Submission | None,
    judged: dict[int, CriterionJudgement],
) -> CriterionProgress:
    # While a submission waits for its assessor, an earlier decision no longer says where
    # the criterion stands.
    if submission is not None and submission.status == SubmissionStatus.SUBMITTED:
        return CriterionProgress(criterion, CriterionStatus.SUBMITTED, evidence_ids)
    if judgement := judged.get(criterion.id):
        status = CriterionStatus.MET if judgement.met else CriterionStatus.NOT_YET_MET
        return CriterionProgress(criterion, status, evidence_ids, judgement.feedback)
    status = CriterionStatus.EVIDENCE_ADDED if evidence_ids else CriterionStatus.NO_EVIDENCE
    return CriterionProgress(criterion, status, evidence_ids)


@dataclass
class UnitSummary:
    total: int
    with_evidence: int
    met: int
    latest_submission: Submission | None
    standing: UnitStanding = NOT_SUBMITTED

    @property
    def status(self) -> UnitStatus:
        return self.standing.status


def unit_summary(session: Session, enrolment: Enrolment, unit: Unit) -> UnitSummary | None:
    """Counts for one unit, and where it stands, in at most three queries (for the unit's
    learning page)."""
    # Each criterion with how much evidence claims it, and (the same on every row) whether
    # the unit is on her learner record, and whether it was revoked with her award.
    covering = session.execute(
        select(
            AssessmentCriterion.id,
            func.count(Evidence.id),
            achieved_exists(enrolment.id, unit.code).label("achieved"),
            achieved_exists(enrolment.id, unit.code, revoked=True).label("revoked"),
        )
        .outerjoin(EvidenceCriterion, EvidenceCriterion.criterion_id == AssessmentCriterion.id)
        .outerjoin(
            Evidence,
            (Evidence.id == EvidenceCriterion.evidence_id)
            & (Evidence.enrolment_id == enrolment.id),
        )
        .where(AssessmentCriterion.unit_id == unit.id)
        .group_by(AssessmentCriterion.id)
    ).all()
    if not covering:
        return None
    latest = session.execute(
        select(Submission, decided_exists(Submission.id))
        .where(Submission.enrolment_id == enrolment.id, Submission.unit_code == unit.code)
        .order_by(Submission.number.desc())
        .limit(1)
    ).first()
    submission, decided = latest if latest is not None else (None, False)
    standing = standing_of(
        achieved=bool(covering[0].achieved),
        revoked=bool(covering[0].revoked),
        status=submission.status if submission else None,
        decided=bool(decided),
        submitted_at=submission.submitted_at if submission else None,
    )
    met = 0
    if submission is not None and submission.status != SubmissionStatus.SUBMITTED:
        latest = (
            select(Decision.id)
            .where(Decision.submission_id == submission.id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        met = session.scalar(
            select(func.count())
            .select_from(CriterionJudgement)
            .where(CriterionJudgement.decision_id == latest, CriterionJudgement.met.is_(True))
        )
    return UnitSummary(
        total=len(covering),
        with_evidence=sum(1 for _, count, *_ in covering if count),
        met=met,
        latest_submission=submission,
        standing=standing,
    )
