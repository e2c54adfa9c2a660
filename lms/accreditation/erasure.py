"""Erasing a person: her name leaves her certificates and the evidence summaries leave her
units. The awards and units themselves stay (codes, credits, dates), pseudonymised, for the
awarding body; the certificate's verification page then shows no name."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.accreditation.models import Certificate, QualificationAward, UnitAchievement


def erase_person(session: Session, user: User) -> None:
    session.execute(
        update(Certificate)
        .where(
            Certificate.award_id.in_(
                select(QualificationAward.id).where(QualificationAward.user_id == user.id)
            )
        )
        .values(trainee_name=None)
    )
    session.execute(
        update(UnitAchievement)
        .where(UnitAchievement.user_id == user.id)
        .values(evidence_summary=None)
    )
