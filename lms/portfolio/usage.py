"""A unit is "in use" by the portfolio once evidence claims its criteria or it was submitted;
the curriculum then makes a new version of a changed unit instead of rewriting it. (Decisions
on its criteria are assessment's to answer: `lms.assessment.queries.unit_has_judgements`.)"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lms.curriculum.models import AssessmentCriterion, Unit
from lms.portfolio.models import EvidenceCriterion, Submission


def unit_has_evidence_or_submissions(session: Session, unit: Unit) -> bool:
    criteria = select(AssessmentCriterion.id).where(AssessmentCriterion.unit_id == unit.id)
    return bool(
        session.scalar(
            select(
                exists().where(EvidenceCriterion.criterion_id.in_(criteria))
                | exists().where(Submission.unit_id == unit.id)
            )
        )
    )
