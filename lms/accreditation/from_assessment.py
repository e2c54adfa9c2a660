"""What the portfolio and assessment capabilities tell the learner record.

- When a unit becomes achieved (signed off, and countersigned where it was sampled or judged
  by a trainee assessor), assessment calls its `unit_achieved` listeners; ours records the
  unit achievement, which issues the unit badge and, once the rules are met, the award.
- The learner record lists, under each criterion, the evidence submitted for it and the
  latest decisions, with the assessor and the countersigning IQA.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from lms.accounts.models import User
from lms.accreditation.operations import record_unit_achievement
from lms.accreditation.record_details import CriterionEvidence
from lms.assessment.achievements import UnitAchievement as AchievedFacts
from lms.assessment.models import Countersignature, CountersignRole, Decision
from lms.curriculum.models import Enrolment, Unit
from lms.i18n import _
from lms.portfolio.models import Submission, SubmissionStatus, SubmittedEvidence


def _countersignature(session: Session, decision_id: int) -> Countersignature | None:
    """The agreeing countersignature that completed the decision: the IQA's when there is
    one, otherwise a second assessor's (for a trainee assessor's decision)."""
    signatures = session.scalars(
        select(Countersignature)
        .where(Countersignature.decision_id == decision_id, Countersignature.agrees.is_(True))
        .order_by(Countersignature.signed_at)
    ).all()
    iqa = [s for s in signatures if s.role == CountersignRole.IQA]
    return (iqa or signatures or [None])[-1]


def record_from_assessment(session: Session, facts: AchievedFacts) -> None:
    countersignature = _countersignature(session, facts.decision_id)
    titles = session.scalars(
        select(SubmittedEvidence.title)
        .where(SubmittedEvidence.submission_id == facts.submission_id)
        .order_by(SubmittedEvidence.id)
    ).all()
    summary = "; ".join(titles)
    summary = f"{summary}. Decision signature {facts.signature[:12]}." if summary else ""
    countersigned_at = None
    if countersignature is not None:
        countersigned_at = max(countersignature.signed_at, facts.signed_off_at)
    record_unit_achievement(
        session,
        session.get(Enrolment, facts.enrolment_id),
        session.get(Unit, facts.unit_id),
        signed_off_by=session.get(User, facts.assessor_id),
        signed_off_at=facts.signed_off_at,
        countersigned_by=(
            session.get(User, countersignature.user_id) if countersignature else None
        ),
        countersigned_at=countersigned_at,
        evidence_summary=summary,
    )


def _verdict(status: SubmissionStatus, met: bool | None) -> str:
    """The judgement of one criterion as the record tells it, with where the decision is."""
    if status == SubmissionStatus.SUBMITTED and met is not None:
        return _("awaiting a decision (the sign-off was returned to the assessor after a check)")
    if met is None:
        return _("awaiting a decision")
    if status in (SubmissionStatus.AWAITING_COUNTERSIGN, SubmissionStatus.AWAITING_IQA):
        return (
            _("met (signed off, being checked)")
            if met
            else _("not yet met (signed off, being checked)")
        )
    return _("met") if met else _("not yet met")


def evidence_and_decisions(
    session: Session, enrolment: Enrolment, criterion_ids: list[int]
) -> dict[int, list[CriterionEvidence]]:
    """For each criterion: the evidence submitted against it, and the latest decision on
    that submission (with the countersignature, if any). Four queries, whatever the size."""
    statuses = dict(
        session.execute(
            select(Submission.id, Submission.status).where(Submission.enrolment_id == enrolment.id)
        ).all()
    )
    submissions = list(statuses)
    if not submissions:
        return {}
    latest: dict[int, Decision] = {}
    for decision in session.scalars(
        select(Decision)
        .options(joinedload(Decision.assessor), selectinload(Decision.judgements))
        .where(Decision.submission_id.in_(submissions))
        .order_by(Decision.decided_at, Decision.id)
    ):
        latest[decision.submission_id] = decision
    countersigned: dict[int, Countersignature] = {}
    for signature in session.scalars(
        select(Countersignature)
        .options(joinedload(Countersignature.user))
        .where(
            Countersignature.decision_id.in_([d.id for d in latest.values()]),
            Countersignature.agrees.is_(True),
        )
        .order_by(Countersignature.signed_at)
    ):
        countersigned[signature.decision_id] = signature
    wanted = set(criterion_ids)
    details: dict[int, list[CriterionEvidence]] = defaultdict(list)
    for item in session.scalars(
        select(SubmittedEvidence)
        .where(SubmittedEvidence.submission_id.in_(submissions))
        .order_by(SubmittedEvidence.id)
    ):
        decision = latest.get(item.submission_id)
        verdicts = {j.criterion_id: j.met for j in decision.judgements} if decision else {}
        signature = countersigned.get(decision.id) if decision else None
        for criterion_id in item.criterion_ids:
            if criterion_id not in wanted:
                continue
            details[criterion_id].append(
                CriterionEvidence(
                    title=item.title,
                    kind=item.evidence_type.label.lower(),
                    decision=_verdict(statuses[item.submission_id], verdicts.get(criterion_id)),
                    assessor_name=decision.assessor.display_name if decision else None,
                    decided_at=decision.decided_at if decision else None,
                    iqa_name=signature.user.display_name if signature else None,
                    countersigned_at=signature.signed_at if signature else None,
                )
            )
    return dict(details)
