"""When a unit counts as achieved, and what is known about it then.

A unit is final in assessment once it is signed off, and countersigned where it was sampled
or judged by a trainee assessor. Whoever needs to act on that (the learner record, which then
holds the unit's achievement: the one place that says a unit is achieved) answers the
`unit_achieved` hook in `lms.capabilities`; those listeners are called, in the same
transaction, at that moment. `unit_achieved(session, enrolment, unit)` returns the facts of
the sign-off of a unit on the record (who signed it off and when, who countersigned, which
evidence versions and file hashes, which criteria) or None.

The unit's quiz: a unit with a quiz (its `quiz_ref`, or a quiz written for its code) can be
signed off only once the quiz is passed, as `lms.quizzes.queries.quiz_passed(session,
enrolment, unit)` answers. Without the quizzes capability (see `quiz_check_available`) units
are not held back.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms import capabilities
from lms.accreditation.models import UnitAchievement as RecordedAchievement
from lms.assessment.models import Countersignature, Decision, Outcome
from lms.curriculum.models import Enrolment, Unit
from lms.portfolio.models import Submission, SubmissionStatus, SubmittedEvidence


@dataclass(frozen=True)
class UnitAchievement:
    enrolment_id: int
    user_id: int
    organisation_id: int
    unit_id: int
    unit_code: str
    unit_version: int
    submission_id: int
    decision_id: int
    assessor_id: int
    signed_off_at: datetime
    signature: str
    achieved_at: datetime
    countersigned_by: tuple[int, ...]
    criterion_ids: tuple[int, ...]
    evidence: tuple[dict, ...]  # {"evidence_id", "version", "sha256": [...]}


AchievementListener = Callable[[Session, UnitAchievement], None]


def _quiz_function():
    """The quizzes capability's `quiz_passed`, wherever it is provided, or None."""
    for name in ("lms.quizzes.queries", "lms.quizzes"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if (check := getattr(module, "quiz_passed", None)) is not None:
            return check
    return None


def quiz_check_available() -> bool:
    return _quiz_function() is not None


def unit_has_quiz(session: Session, unit: Unit) -> bool:
    if unit.quiz_ref:
        return True
    try:
        from lms.quizzes.models import Quiz
    except ImportError:
        return False
    return session.scalar(select(Quiz.id).where(Quiz.unit_code == unit.code).limit(1)) is not None


def quiz_passed(session: Session, enrolment: Enrolment, unit: Unit) -> bool:
    """True when the unit has no quiz, or its quiz has been passed on this enrolment."""
    if not unit_has_quiz(session, unit):
        return True
    check = _quiz_function()
    return True if check is None else bool(check(session, enrolment, unit))


def _achievement(session: Session, submission: Submission) -> UnitAchievement | None:
    decision = session.scalar(
        select(Decision)
        .where(Decision.submission_id == submission.id, Decision.outcome == Outcome.SIGNED_OFF)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .options(selectinload(Decision.judgements))
    )
    if decision is None:
        return None
    unit = session.get(Unit, submission.unit_id)
    signers = session.scalars(
        select(Countersignature.user_id).where(
            Countersignature.decision_id == decision.id, Countersignature.agrees.is_(True)
        )
    )
    items = session.scalars(
        select(SubmittedEvidence).where(SubmittedEvidence.submission_id == submission.id)
    )
    return UnitAchievement(
        enrolment_id=submission.enrolment_id,
        user_id=submission.trainee_id,
        organisation_id=submission.organisation_id,
        unit_id=unit.id,
        unit_code=unit.code,
        unit_version=unit.version,
        submission_id=submission.id,
        decision_id=decision.id,
        assessor_id=decision.assessor_id,
        signed_off_at=decision.decided_at,
        signature=decision.signature,
        achieved_at=submission.closed_at or decision.decided_at,
        countersigned_by=tuple(signers),
        criterion_ids=tuple(sorted(j.criterion_id for j in decision.judgements if j.met)),
        evidence=tuple(
            {
                "evidence_id": item.evidence_id,
                "version": item.evidence_version,
                "sha256": [f["sha256"] for f in item.files],
            }
            for item in items
        ),
    )


def unit_achieved(session: Session, enrolment: Enrolment, unit: Unit) -> UnitAchievement | None:
    """The facts of the sign-off that achieved `unit` on `enrolment`, or None if the unit is
    not (yet) achieved: on the learner record, the one place that says so."""
    recorded = session.scalar(
        select(RecordedAchievement.id).where(
            RecordedAchievement.enrolment_id == enrolment.id,
            RecordedAchievement.unit_code == unit.code,
        )
    )
    if recorded is None:
        return None
    submission = session.scalar(
        select(Submission).where(
            Submission.enrolment_id == enrolment.id,
            Submission.unit_id == unit.id,
            Submission.status == SubmissionStatus.ACHIEVED,
        )
    )
    return None if submission is None else _achievement(session, submission)


def announce(session: Session, submission: Submission) -> UnitAchievement | None:
    """Tell the listeners that `submission`'s unit has just been achieved."""
    achievement = _achievement(session, submission)
    if achievement is not None:
        for listener in capabilities.hooks("unit_achieved"):
            listener(session, achievement)
    return achievement
