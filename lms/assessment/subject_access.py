"""What assessment holds about a person: the decisions on her work, with the feedback on each
criterion (`subject_access`). The signatures' inner workings stay out: the decision's words,
outcome and date are what is about her."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assessment.models import CriterionJudgement, Decision
from lms.portfolio.models import Submission
from lms.privacy.records import Files, columns, table


def assessment_information(session: Session, user: User) -> Files:
    decisions = session.execute(
        select(Decision, User.display_name)
        .join(Submission, Submission.id == Decision.submission_id)
        .join(User, User.id == Decision.assessor_id)
        .where(Submission.trainee_id == user.id)
        .order_by(Decision.id)
    ).all()
    judgements = session.scalars(
        select(CriterionJudgement)
        .join(Decision, Decision.id == CriterionJudgement.decision_id)
        .join(Submission, Submission.id == Decision.submission_id)
        .where(Submission.trainee_id == user.id)
        .order_by(CriterionJudgement.id)
    )
    return [
        *table(
            "assessment/decisions",
            [
                {**columns(d, leave_out=("signed_content", "signature")), "assessor": name}
                for d, name in decisions
            ],
        ),
        *table("assessment/criterion-feedback", [columns(j) for j in judgements]),
    ]
