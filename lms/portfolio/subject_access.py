"""What the portfolio holds about a person: her evidence, its files and her submissions
(`subject_access`). The files are handed over opened, one at a time, to be copied into the
archive in pieces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import User
from lms.portfolio.models import Evidence, EvidenceFile, Submission, SubmittedEvidence
from lms.portfolio.storage import EvidenceStorage, current_storage
from lms.privacy.records import columns, table


def evidence_file_name(evidence_file: EvidenceFile) -> str:
    """Where a file goes in the archive: under evidence/, by its evidence, with her name for
    it (which she chose, so it is hers to read)."""
    return f"evidence/{evidence_file.evidence_id}/{evidence_file.id}-{evidence_file.filename}"


def portfolio_information(session: Session, user: User) -> Iterator[tuple[str, Any]]:
    yield from _portfolio_information(session, user, current_storage())


def _portfolio_information(
    session: Session, user: User, storage: EvidenceStorage
) -> Iterator[tuple[str, Any]]:
    evidence = list(
        session.scalars(
            select(Evidence)
            .where(Evidence.owner_id == user.id)
            .options(selectinload(Evidence.criteria))
            .order_by(Evidence.id)
        )
    )
    files = list(
        session.scalars(
            select(EvidenceFile).where(EvidenceFile.owner_id == user.id).order_by(EvidenceFile.id)
        )
    )
    submissions = list(
        session.scalars(
            select(Submission).where(Submission.trainee_id == user.id).order_by(Submission.id)
        )
    )
    submitted = session.scalars(
        select(SubmittedEvidence)
        .join(Submission, Submission.id == SubmittedEvidence.submission_id)
        .where(Submission.trainee_id == user.id)
        .order_by(SubmittedEvidence.id)
    )
    yield from table(
        "portfolio/evidence",
        [
            {
                **columns(e),
                "criteria": [{"id": c.id, "number": c.number, "text": c.text} for c in e.criteria],
            }
            for e in evidence
        ],
    )
    yield from table(
        "portfolio/evidence-files",
        [
            {
                **columns(f),
                "in_this_archive": evidence_file_name(f) if storage.exists(f.sha256) else "",
            }
            for f in files
        ],
    )
    yield from table("portfolio/submissions", [columns(s) for s in submissions])
    yield from table("portfolio/submitted-evidence", [columns(s) for s in submitted])
    for evidence_file in files:
        if storage.exists(evidence_file.sha256):
            yield evidence_file_name(evidence_file), storage.open(evidence_file.sha256)
