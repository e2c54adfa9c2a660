"""What an assessor reads before judging a submission, gathered in a fixed number of queries:
for each criterion of the unit the submitted evidence that claims it (and which criteria have
none), what the witnesses said, the unit's quiz result, the decisions on the trainee's earlier
submissions of the unit, and what she says she changed since."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import User
from lms.assessment.achievements import unit_has_quiz
from lms.assessment.models import Decision
from lms.curriculum.models import AssessmentCriterion, Unit
from lms.i18n import gettext
from lms.ledger import checks as ledger
from lms.portfolio.models import Submission, SubmittedEvidence, WitnessStatement
from lms.portfolio.witnesses import latest_statements


@dataclass
class CriterionClaims:
    criterion: AssessmentCriterion
    items: list[SubmittedEvidence]


@dataclass
class EarlierDecision:
    submission: Submission
    decision: Decision
    assessor_name: str
    # [(criterion number, met, feedback)] in the order of the criteria.
    judgements: list[tuple[str, bool, str]]
    verified: bool


@dataclass
class Briefing:
    claims: list[CriterionClaims]
    witnesses: dict[int, WitnessStatement]
    has_quiz: bool
    quiz: object | None  # lms.quizzes.queries.UnitQuizResult, when the capability is there
    earlier: list[EarlierDecision] = field(default_factory=list)

    @property
    def unclaimed(self) -> list[AssessmentCriterion]:
        return [c.criterion for c in self.claims if not c.items]


def _quiz_result(session: Session, submission: Submission, unit: Unit):
    try:
        module = importlib.import_module("lms.quizzes.queries")
    except ImportError:  # pragma: no cover - a deployment without quizzes
        return None
    return module.unit_quiz_result(session, submission.enrolment_id, unit)


def _number_key(criterion: AssessmentCriterion) -> tuple:
    """ "1.2" before "1.10" before "2.1"."""
    parts = criterion.number.split(".")
    return tuple(int(p) if p.isdigit() else 0 for p in parts), criterion.number


def _earlier_decisions(session: Session, submission: Submission) -> list[EarlierDecision]:
    """Decisions on her earlier submissions of the unit (any of its versions), oldest first."""
    rows = session.execute(
        select(Decision, Submission, User.display_name)
        .join(Submission, Submission.id == Decision.submission_id)
        .outerjoin(User, User.id == Decision.assessor_id)
        .where(
            Submission.enrolment_id == submission.enrolment_id,
            Submission.unit_code == submission.unit_code,
            Submission.number < submission.number,
        )
        .options(selectinload(Decision.judgements))
        .order_by(Decision.decided_at, Decision.id)
    ).all()
    if not rows:
        return []
    decisions = [decision for decision, _, _ in rows]
    criterion_ids = {j.criterion_id for d in decisions for j in d.judgements}
    criteria = {
        c.id: c
        for c in session.scalars(
            select(AssessmentCriterion).where(AssessmentCriterion.id.in_(criterion_ids))
        )
    }
    verified = ledger.verified(session, "assessment_decision", [d.id for d in decisions])
    return [
        EarlierDecision(
            submission=earlier,
            decision=d,
            assessor_name=name or gettext("an assessor"),
            judgements=[
                (criteria[j.criterion_id].number, j.met, j.feedback or "")
                for j in sorted(d.judgements, key=lambda j: _number_key(criteria[j.criterion_id]))
            ],
            verified=verified.get(d.id, False),
        )
        for d, earlier, name in rows
    ]


def briefing(
    session: Session, submission: Submission, unit: Unit, criteria: list[AssessmentCriterion]
) -> Briefing:
    """The briefing for `submission` (its `items` loaded), `criteria` in the unit's order."""
    by_criterion: dict[int, list[SubmittedEvidence]] = {c.id: [] for c in criteria}
    for item in submission.items:
        for criterion_id in item.criterion_ids or ():
            if criterion_id in by_criterion:
                by_criterion[criterion_id].append(item)
    has_quiz = unit_has_quiz(session, unit)
    return Briefing(
        claims=[CriterionClaims(c, by_criterion[c.id]) for c in criteria],
        witnesses=latest_statements(session, {item.evidence_id for item in submission.items}),
        has_quiz=has_quiz,
        quiz=_quiz_result(session, submission, unit) if has_quiz else None,
        earlier=_earlier_decisions(session, submission),
    )
