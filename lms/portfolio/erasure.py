"""Erasing a person's portfolio: her evidence's words and files go; the rows stay, blank, so
submissions and the decisions on them still stand (their file hashes are what was signed).

Files are removed from the evidence store only after the erasure has committed, and only
those no one else's evidence holds too (the store keeps one copy per content)."""

from __future__ import annotations

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.db import utcnow
from lms.portfolio.models import (
    Evidence,
    EvidenceFile,
    Submission,
    SubmittedEvidence,
    WitnessStatement,
)

FILES_TO_REMOVE = "erased_evidence_files"
REMOVED = "Removed"


def erase_person(session: Session, user: User) -> None:
    session.execute(
        update(Evidence)
        .where(Evidence.owner_id == user.id)
        .values(title=REMOVED, description="", updated_at=utcnow())
    )
    hashes = set(
        session.scalars(select(EvidenceFile.sha256).where(EvidenceFile.owner_id == user.id))
    )
    shared = set(
        session.scalars(
            select(EvidenceFile.sha256).where(
                EvidenceFile.sha256.in_(hashes), EvidenceFile.owner_id != user.id
            )
        )
    )
    session.execute(
        update(EvidenceFile)
        .where(EvidenceFile.owner_id == user.id)
        .values(filename=REMOVED, removed_at=utcnow())
    )
    # Erasable columns of the append-only copies, blanked to NULL (the database allows that).
    session.execute(
        update(SubmittedEvidence)
        .where(
            SubmittedEvidence.submission_id.in_(
                select(Submission.id).where(Submission.trainee_id == user.id)
            )
        )
        .values(title=None, description=None)
    )
    # What her witnesses were asked and answered, and who they are, goes with her words.
    session.execute(
        delete(WitnessStatement).where(
            WitnessStatement.evidence_id.in_(
                select(Evidence.id).where(Evidence.owner_id == user.id)
            )
        )
    )
    session.execute(
        update(Submission).where(Submission.trainee_id == user.id).values(changes_note="")
    )
    session.info.setdefault(FILES_TO_REMOVE, set()).update(hashes - shared)


@event.listens_for(Session, "after_commit")
def _remove_files_after_commit(session: Session) -> None:
    hashes = session.info.pop(FILES_TO_REMOVE, None)
    if not hashes:
        return
    from lms.portfolio.storage import current_storage

    storage = current_storage()
    for sha256 in sorted(hashes):
        storage.delete(sha256)


@event.listens_for(Session, "after_rollback")
def _keep_files_after_rollback(session: Session) -> None:
    session.info.pop(FILES_TO_REMOVE, None)
