"""Erasing a person: what assessors and quality assurers wrote about her work is blanked (the
erasable columns, set to NULL). Outcomes, per-criterion judgements and who decided when stay:
they are what the awarding body relies on, and the ledger's digests keep them verifiable."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assessment.models import Countersignature, CriterionJudgement, Decision
from lms.portfolio.models import Submission


def erase_person(session: Session, user: User) -> None:
    hers = select(Submission.id).where(Submission.trainee_id == user.id)
    decisions = select(Decision.id).where(Decision.submission_id.in_(hers))
    session.execute(
        update(Decision).where(Decision.submission_id.in_(hers)).values(feedback=None, actions=None)
    )
    session.execute(
        update(CriterionJudgement)
        .where(CriterionJudgement.decision_id.in_(decisions))
        .values(feedback=None)
    )
    session.execute(
        update(Countersignature)
        .where(Countersignature.decision_id.in_(decisions))
        .values(comments=None)
    )
