"""Judging submissions, countersigning, and internal quality assurance.

Every change of a submission's state goes through `_move`: one UPDATE that only matches if
the submission is still in the state (and version) the person saw. When two people act at
once, the second one's UPDATE matches nothing and they are told plainly; nothing of theirs is
written. Functions flush, never commit; permissions are checked by the caller.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assessment import achievements, notices
from lms.assessment.models import (
    AssessorStanding,
    Countersignature,
    CountersignRole,
    CriterionJudgement,
    Decision,
    IqaSample,
    Outcome,
    SampleReason,
    SampleStatus,
    SamplingPlan,
)
from lms.audit.operations import record
from lms.curriculum.models import AssessmentCriterion, Enrolment, Unit
from lms.curriculum.offering import require_unit_offered
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.i18n import _, _l
from lms.portfolio.models import Submission, SubmissionStatus, SubmittedEvidence

DEFAULT_PERCENTAGE = 25
DEFAULT_FIRST_DECISIONS = 5

ALREADY_JUDGED = _l(
    "Someone else has just acted on this submission, so your decision was not saved. "
    "Please look at the submission again to see where it stands now."
)


@dataclass(frozen=True)
class Verdict:
    met: bool
    feedback: str = ""


def _digest(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _move(
    session: Session,
    submission: Submission,
    *,
    expected_version: int,
    from_statuses: tuple[SubmissionStatus, ...],
    to: SubmissionStatus,
) -> None:
    """Change the submission's status if, and only if, nobody else has changed it since."""
    if submission.state_version != expected_version or submission.status not in from_statuses:
        raise Conflict(str(ALREADY_JUDGED))
    closes = to in (SubmissionStatus.REFERRED, SubmissionStatus.ACHIEVED)
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == submission.id,
            Submission.state_version == expected_version,
            Submission.status.in_(from_statuses),
        )
        .values(
            status=to,
            state_version=expected_version + 1,
            closed_at=utcnow() if closes else None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(str(ALREADY_JUDGED))
    session.refresh(submission)


def is_trainee_assessor(session: Session, user_id: int, organisation_id: int) -> bool:
    return bool(
        session.scalar(
            select(AssessorStanding.is_trainee_assessor).where(
                AssessorStanding.user_id == user_id,
                AssessorStanding.organisation_id == organisation_id,
            )
        )
    )


def set_trainee_assessor(
    session: Session, user: User, organisation_id: int, *, trainee: bool
) -> AssessorStanding:
    standing = session.scalar(
        select(AssessorStanding).where(
            AssessorStanding.user_id == user.id,
            AssessorStanding.organisation_id == organisation_id,
        )
    )
    if standing is None:
        standing = AssessorStanding(user_id=user.id, organisation_id=organisation_id)
        session.add(standing)
    standing.is_trainee_assessor = trainee
    standing.updated_at = utcnow()
    session.flush()
    record(
        session,
        "assessor.standing_changed",
        obj=user,
        organisation_id=organisation_id,
        trainee_assessor=trainee,
    )
    return standing


def unit_criteria(session: Session, unit_id: int) -> list[AssessmentCriterion]:
    return list(
        session.scalars(
            select(AssessmentCriterion)
            .where(AssessmentCriterion.unit_id == unit_id)
            .order_by(AssessmentCriterion.outcome_id, AssessmentCriterion.position)
        )
    )


def latest_decision(session: Session, submission: Submission) -> Decision | None:
    return session.scalar(
        select(Decision)
        .where(Decision.submission_id == submission.id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
    )


def judge(
    session: Session,
    submission: Submission,
    assessor: User,
    *,
    expected_version: int,
    outcome: Outcome | str,
    verdicts: dict[int, Verdict],
    feedback: str = "",
    actions: str = "",
) -> Decision:
    """Record an assessor's decision on a submission waiting for one.

    Signing off needs every criterion met, each by submitted evidence, and the unit's quiz
    (if it has one) passed. Referring back needs the actions the trainee should take."""
    outcome = Outcome(outcome)
    _require_unit_offered(session, submission)
    criteria = unit_criteria(session, submission.unit_id)
    _require_every_criterion_judged(criteria, verdicts)
    items = _submitted_evidence(session, submission)
    if outcome == Outcome.SIGNED_OFF:
        _require_sign_off_earned(session, submission, criteria, verdicts, items)
    elif not actions.strip():
        raise DomainError(
            _("Please say what the trainee should do next, so that she can resubmit."),
            field="actions",
        )

    by_trainee_assessor = is_trainee_assessor(session, assessor.id, submission.organisation_id)
    sample_reason = _sample_due(session, submission.organisation_id, assessor.id)
    target = _status_after_judgement(
        outcome, by_trainee_assessor=by_trainee_assessor, sampled=sample_reason is not None
    )
    # A decision sent back by a countersigner or the IQA stays on record; this one corrects it.
    previous = latest_decision(session, submission)
    _move(
        session,
        submission,
        expected_version=expected_version,
        from_statuses=(SubmissionStatus.SUBMITTED,),
        to=target,
    )

    decision = _signed_decision(
        session,
        submission,
        assessor,
        outcome,
        {c.id: verdicts[c.id].met for c in criteria},
        items,
        feedback=feedback,
        actions=actions,
        by_trainee_assessor=by_trainee_assessor,
        corrects=previous,
    )
    _record_judgements(session, decision, criteria, verdicts)
    sample = _sample_decision(session, decision, sample_reason)
    _audit_decision(session, decision, sampled=sample is not None, trainee_id=submission.trainee_id)
    if target == SubmissionStatus.ACHIEVED:
        _achieve(session, submission, decision)
    notices.submission_judged(session, submission, decision)
    return decision


def _require_unit_offered(session: Session, submission: Submission) -> None:
    unit = session.get(Unit, submission.unit_id)
    require_unit_offered(
        session,
        session.get(Enrolment, submission.enrolment_id),
        unit,
        utcnow().date(),
        _(
            "%(unit)s is not part of what this organisation is licensed to deliver at the "
            "moment, so it cannot be assessed here. The franchisor can add it to the licence.",
            unit=unit.code,
        ),
    )


def _require_every_criterion_judged(
    criteria: list[AssessmentCriterion], verdicts: dict[int, Verdict]
) -> None:
    missing = [c.number for c in criteria if c.id not in verdicts]
    if missing:
        raise DomainError(
            _(
                "Please judge every criterion (still to do: %(criteria)s).",
                criteria=", ".join(missing),
            ),
            field="criteria",
        )


def _submitted_evidence(session: Session, submission: Submission) -> list[SubmittedEvidence]:
    return list(
        session.scalars(
            select(SubmittedEvidence)
            .where(SubmittedEvidence.submission_id == submission.id)
            .order_by(SubmittedEvidence.id)
        )
    )


def _require_sign_off_earned(
    session: Session,
    submission: Submission,
    criteria: list[AssessmentCriterion],
    verdicts: dict[int, Verdict],
    items: list[SubmittedEvidence],
) -> None:
    unmet = [c.number for c in criteria if not verdicts[c.id].met]
    if unmet:
        raise DomainError(
            _(
                "The unit can only be signed off when every criterion is met; not yet met: "
                "%(criteria)s. Refer it back with actions instead.",
                criteria=", ".join(unmet),
            ),
            field="outcome",
        )
    covered = {c for item in items for c in item.criterion_ids}
    uncovered = [c.number for c in criteria if c.id not in covered]
    if uncovered:
        raise DomainError(
            _(
                "No submitted evidence covers %(criteria)s, so the unit cannot be signed off yet.",
                criteria=", ".join(uncovered),
            ),
            field="outcome",
        )
    enrolment = session.get(Enrolment, submission.enrolment_id)
    unit = session.get(Unit, submission.unit_id)
    if not achievements.quiz_passed(session, enrolment, unit):
        raise DomainError(
            _("The unit's quiz has not been passed yet, so the unit cannot be signed off."),
            field="outcome",
        )


def _status_after_judgement(
    outcome: Outcome, *, by_trainee_assessor: bool, sampled: bool
) -> SubmissionStatus:
    """A sign-off is only final once a trainee assessor's work is countersigned and a sampled
    decision has been through IQA."""
    if outcome == Outcome.REFERRED:
        return SubmissionStatus.REFERRED
    if by_trainee_assessor:
        return SubmissionStatus.AWAITING_COUNTERSIGN
    if sampled:
        return SubmissionStatus.AWAITING_IQA
    return SubmissionStatus.ACHIEVED


def _signed_decision(
    session: Session,
    submission: Submission,
    assessor: User,
    outcome: Outcome,
    met: dict[int, bool],
    items: list[SubmittedEvidence],
    *,
    feedback: str,
    actions: str,
    by_trainee_assessor: bool,
    corrects: Decision | None,
) -> Decision:
    """The decision, with a digest of what was decided on which evidence (down to each file's
    SHA-256), so that a later change to any of it can be detected."""
    decided_at = utcnow()
    signed_content = {
        "submission_id": submission.id,
        "unit_id": submission.unit_id,
        "trainee_id": submission.trainee_id,
        "assessor_id": assessor.id,
        "decided_at": decided_at.isoformat(),
        "outcome": outcome.value,
        "criteria": {str(criterion_id): value for criterion_id, value in met.items()},
        "evidence": [
            {
                "evidence_id": item.evidence_id,
                "version": item.evidence_version,
                "sha256": [f["sha256"] for f in item.files],
            }
            for item in items
        ],
    }
    decision = Decision(
        submission_id=submission.id,
        organisation_id=submission.organisation_id,
        assessor_id=assessor.id,
        outcome=outcome,
        feedback=feedback.strip(),
        actions=actions.strip(),
        by_trainee_assessor=by_trainee_assessor,
        corrects_id=corrects.id if corrects else None,
        decided_at=decided_at,
        signed_content=signed_content,
        signature=_digest(signed_content),
    )
    session.add(decision)
    session.flush()
    return decision


def _record_judgements(
    session: Session,
    decision: Decision,
    criteria: list[AssessmentCriterion],
    verdicts: dict[int, Verdict],
) -> None:
    session.add_all(
        CriterionJudgement(
            decision_id=decision.id,
            criterion_id=c.id,
            met=verdicts[c.id].met,
            feedback=verdicts[c.id].feedback.strip(),
        )
        for c in criteria
    )
    session.flush()


def _sample_decision(
    session: Session, decision: Decision, reason: SampleReason | None
) -> IqaSample | None:
    if reason is None:
        return None
    sample = IqaSample(
        decision_id=decision.id, organisation_id=decision.organisation_id, reason=reason
    )
    session.add(sample)
    session.flush()
    return sample


def _audit_decision(
    session: Session, decision: Decision, *, sampled: bool, trainee_id: int
) -> None:
    record(
        session,
        "assessment.decided",
        obj=decision,
        organisation_id=decision.organisation_id,
        submission_id=decision.submission_id,
        trainee_id=trainee_id,
        outcome=decision.outcome.value,
        sampled=sampled,
        signature=decision.signature,
    )


def _pending_sample(session: Session, decision: Decision) -> IqaSample | None:
    return session.scalar(
        select(IqaSample).where(
            IqaSample.decision_id == decision.id, IqaSample.status == SampleStatus.PENDING
        )
    )


def _achieve(session: Session, submission: Submission, decision: Decision) -> None:
    record(
        session,
        "unit.achieved",
        obj=submission,
        organisation_id=submission.organisation_id,
        decision_id=decision.id,
    )
    achievements.announce(session, submission)


# --- sampling ---------------------------------------------------------------------------------


def sampling_plan(session: Session, organisation_id: int) -> SamplingPlan:
    plan = session.scalar(
        select(SamplingPlan).where(SamplingPlan.organisation_id == organisation_id)
    )
    return plan or SamplingPlan(
        organisation_id=organisation_id,
        percentage=DEFAULT_PERCENTAGE,
        first_decisions=DEFAULT_FIRST_DECISIONS,
    )


def save_sampling_plan(
    session: Session, organisation_id: int, by: User, *, percentage: int, first_decisions: int
) -> SamplingPlan:
    if not 0 <= percentage <= 100:
        raise DomainError(_("The percentage must be between 0 and 100."), field="percentage")
    if not 0 <= first_decisions <= 100:
        raise DomainError(
            _("The number of first decisions must be between 0 and 100."), field="first_decisions"
        )
    plan = sampling_plan(session, organisation_id)
    plan.percentage = percentage
    plan.first_decisions = first_decisions
    plan.updated_by_id = by.id
    plan.updated_at = utcnow()
    session.add(plan)
    session.flush()
    record(
        session,
        "iqa.plan_changed",
        obj=plan,
        organisation_id=organisation_id,
        percentage=percentage,
        first_decisions=first_decisions,
    )
    return plan


def _sample_due(session: Session, organisation_id: int, assessor_id: int) -> SampleReason | None:
    """Whether an assessor's next decision is sampled under the organisation's plan: all of
    their first decisions, then an even spread of the plan's percentage (every fourth at 25%)."""
    plan = sampling_plan(session, organisation_id)
    earlier = session.scalar(
        select(func.count())
        .select_from(Decision)
        .where(Decision.assessor_id == assessor_id, Decision.organisation_id == organisation_id)
    )
    if earlier < plan.first_decisions:
        return SampleReason.NEW_ASSESSOR
    counted = earlier - plan.first_decisions
    if (counted + 1) * plan.percentage // 100 > counted * plan.percentage // 100:
        return SampleReason.PLAN
    return None


ALREADY_SAMPLED = _l("This decision is already in the sample.")


def _already_sampled(session: Session, decision: Decision) -> bool:
    return (
        session.scalar(select(IqaSample.id).where(IqaSample.decision_id == decision.id)) is not None
    )


def pick_for_sampling(session: Session, decision: Decision, iqa: User) -> IqaSample:
    """An IQA chooses a decision to check, beyond what the plan sampled."""
    if _already_sampled(session, decision):
        raise DomainError(str(ALREADY_SAMPLED))
    sample = IqaSample(
        decision_id=decision.id,
        organisation_id=decision.organisation_id,
        reason=SampleReason.PICKED,
        picked_by_id=iqa.id,
    )
    # A savepoint: a second pick of the same decision at the same moment (a double click,
    # or two IQAs) loses to the unique decision, and is told so plainly.
    try:
        with session.begin_nested():
            session.add(sample)
            session.flush()
    except IntegrityError:
        raise Conflict(str(ALREADY_SAMPLED)) from None
    record(session, "iqa.sample_picked", obj=sample, organisation_id=decision.organisation_id)
    return sample


# --- countersigning ---------------------------------------------------------------------------


def _countersignature(
    session: Session, decision: Decision, user: User, role: CountersignRole, agrees: bool, comments
) -> Countersignature:
    signed_at = utcnow()
    signature = _digest(
        {
            "decision": decision.signature,
            "user_id": user.id,
            "role": role.value,
            "agrees": agrees,
            "signed_at": signed_at.isoformat(),
        }
    )
    countersignature = Countersignature(
        decision_id=decision.id,
        user_id=user.id,
        role=role,
        agrees=agrees,
        comments=(comments or "").strip(),
        signed_at=signed_at,
        signature=signature,
    )
    session.add(countersignature)
    session.flush()
    return countersignature


def countersign_as_assessor(
    session: Session,
    decision: Decision,
    assessor: User,
    *,
    expected_version: int,
    agrees: bool,
    comments: str = "",
) -> Countersignature:
    """A qualified assessor confirms (or not) a trainee assessor's sign-off."""
    submission = session.get(Submission, decision.submission_id)
    if decision.assessor_id == assessor.id:
        raise DomainError(_("A sign-off must be countersigned by someone other than its assessor."))
    if is_trainee_assessor(session, assessor.id, decision.organisation_id):
        raise DomainError(_("Only a qualified assessor can countersign a trainee assessor's work."))
    if not agrees and not (comments or "").strip():
        raise DomainError(
            _("Please say why, so that the assessor can look again."), field="comments"
        )
    if latest_decision(session, submission).id != decision.id:
        raise Conflict(str(ALREADY_JUDGED))
    if not agrees:
        target = SubmissionStatus.SUBMITTED
    elif _pending_sample(session, decision) is not None:
        target = SubmissionStatus.AWAITING_IQA
    else:
        target = SubmissionStatus.ACHIEVED
    _move(
        session,
        submission,
        expected_version=expected_version,
        from_statuses=(SubmissionStatus.AWAITING_COUNTERSIGN,),
        to=target,
    )
    countersignature = _countersignature(
        session, decision, assessor, CountersignRole.ASSESSOR, agrees, comments
    )
    record(
        session,
        "assessment.countersigned" if agrees else "assessment.countersign_refused",
        obj=decision,
        organisation_id=decision.organisation_id,
        trainee_id=submission.trainee_id,
    )
    _after_check(session, submission, decision, countersignature, moved_to=target)
    return countersignature


def review_sample(
    session: Session,
    sample: IqaSample,
    iqa: User,
    *,
    agrees: bool,
    comments: str = "",
    expected_version: int | None = None,
) -> Countersignature:
    """The IQA agrees with a sampled decision (countersigns it) or disagrees, with reasons,
    which returns it to its assessor."""
    decision = session.get(Decision, sample.decision_id)
    _require_reviewable(sample, decision, iqa, agrees=agrees, comments=comments)
    submission = session.get(Submission, decision.submission_id)
    # A sample holds the unit back only while the submission waits on it; a sample of a
    # decision already final, or since corrected, is reviewed without moving the submission.
    blocking = (
        submission.status == SubmissionStatus.AWAITING_IQA
        and latest_decision(session, submission).id == decision.id
    )
    moved_to = None
    if blocking:
        moved_to = SubmissionStatus.ACHIEVED if agrees else SubmissionStatus.SUBMITTED
        version = submission.state_version if expected_version is None else expected_version
        _move(
            session,
            submission,
            expected_version=version,
            from_statuses=(SubmissionStatus.AWAITING_IQA,),
            to=moved_to,
        )
    _close_sample(session, sample, agrees=agrees)
    countersignature = _countersignature(
        session, decision, iqa, CountersignRole.IQA, agrees, comments
    )
    record(
        session,
        "iqa.agreed" if agrees else "iqa.disagreed",
        obj=decision,
        organisation_id=decision.organisation_id,
        sample_id=sample.id,
        trainee_id=submission.trainee_id,
    )
    _after_check(session, submission, decision, countersignature, moved_to=moved_to)
    return countersignature


def _after_check(
    session: Session,
    submission: Submission,
    decision: Decision,
    countersignature: Countersignature,
    *,
    moved_to: SubmissionStatus | None,
) -> None:
    """After a countersignature or an IQA's review: the unit is now achieved (the trainee is
    told), or the sign-off has gone back to its assessor (both are told what happens next), or,
    when the submission did not move (the decision was already final, or it referred the work
    back), a disagreement is for the assessor alone to talk through."""
    if moved_to == SubmissionStatus.ACHIEVED:
        _achieve(session, submission, decision)
        notices.sign_off_confirmed(session, submission)
    elif not countersignature.agrees:
        reopened = moved_to == SubmissionStatus.SUBMITTED
        notices.decision_returned(session, decision, countersignature, reopened=reopened)
        if reopened:
            notices.sign_off_returned(session, submission)


def _require_reviewable(
    sample: IqaSample, decision: Decision, iqa: User, *, agrees: bool, comments: str
) -> None:
    if decision.assessor_id == iqa.id:
        raise DomainError(
            _("You made this decision yourself, so another IQA needs to quality-assure it.")
        )
    if sample.status != SampleStatus.PENDING:
        raise Conflict(_("This sample has already been reviewed."))
    if not agrees and not (comments or "").strip():
        raise DomainError(
            _("Please give your reasons, so that the assessor knows what to look at again."),
            field="comments",
        )


def _close_sample(session: Session, sample: IqaSample, *, agrees: bool) -> None:
    """Mark the sample reviewed; if another IQA has just reviewed it, theirs stands and this
    review is refused."""
    claimed = session.execute(
        update(IqaSample)
        .where(IqaSample.id == sample.id, IqaSample.status == SampleStatus.PENDING)
        .values(
            status=SampleStatus.AGREED if agrees else SampleStatus.DISAGREED,
            reviewed_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict(_("This sample has already been reviewed."))
    session.refresh(sample)
