"""Changing a portfolio: evidence, its files and criteria, and submitting a unit.

Plain functions: they flush, never commit; the caller has already checked permissions.
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import capabilities
from lms.accounts.models import User
from lms.accreditation.models import UnitAchievement
from lms.audit.operations import record
from lms.curriculum.models import AssessmentCriterion, CourseUnit, Enrolment, Unit
from lms.curriculum.offering import require_unit_offered
from lms.db import utcnow
from lms.errors import Conflict, DomainError, NotFound
from lms.i18n import _, _l
from lms.portfolio.antivirus import Clamd
from lms.portfolio.filetypes import FileRefused
from lms.portfolio.models import (
    ASSESSOR_RECORDED_TYPES,
    OPEN_STATUSES,
    Evidence,
    EvidenceCriterion,
    EvidenceFile,
    EvidenceType,
    Submission,
    SubmissionStatus,
    SubmittedEvidence,
)
from lms.portfolio.storage import EvidenceStorage, KeptOnCommit, StagedFile
from lms.portfolio.uploads import accept_upload, over_quota

DECLARATION = _l(
    "I confirm that the evidence in this submission is my own work, that anything written or "
    "made by someone else is clearly marked as theirs, and that I have kept private the names "
    "and details of the people I have supported."
)


def course_unit_ids(session: Session, enrolment: Enrolment) -> list[int]:
    return list(
        session.scalars(
            select(CourseUnit.unit_id)
            .where(CourseUnit.course_id == enrolment.course_id)
            .order_by(CourseUnit.position)
        )
    )


def _criteria_for(session: Session, enrolment: Enrolment, criterion_ids) -> list[int]:
    wanted = {int(c) for c in criterion_ids or ()}
    if not wanted:
        raise DomainError(
            _("Please choose at least one assessment criterion this evidence covers."),
            field="criteria",
        )
    allowed = set(
        session.scalars(
            select(AssessmentCriterion.id).where(
                AssessmentCriterion.id.in_(wanted),
                AssessmentCriterion.unit_id.in_(course_unit_ids(session, enrolment)),
            )
        )
    )
    if allowed != wanted:
        raise DomainError(
            _("Some of the criteria chosen are not part of the course you are enrolled on."),
            field="criteria",
        )
    return sorted(wanted)


def _clean_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Please give the evidence a title."), field="title")
    return title[:200]


def _set_criteria(session: Session, evidence: Evidence, criterion_ids: list[int]) -> None:
    session.execute(delete(EvidenceCriterion).where(EvidenceCriterion.evidence_id == evidence.id))
    session.add_all(
        EvidenceCriterion(evidence_id=evidence.id, criterion_id=c) for c in criterion_ids
    )


def create_evidence(
    session: Session,
    enrolment: Enrolment,
    *,
    title: str,
    evidence_type: EvidenceType | str,
    description: str = "",
    criterion_ids=(),
    recorded_by: User | None = None,
) -> Evidence:
    """New draft evidence for the trainee of `enrolment` (or recorded for her by an assessor)."""
    if not enrolment.is_active:
        raise DomainError(_("This enrolment has been withdrawn, so evidence cannot be added."))
    evidence_type = EvidenceType(evidence_type)
    if recorded_by is not None and evidence_type not in ASSESSOR_RECORDED_TYPES:
        raise DomainError(
            _("An assessor can record an observation or a professional discussion."),
            field="evidence_type",
        )
    criteria = _criteria_for(session, enrolment, criterion_ids)
    now = utcnow()
    evidence = Evidence(
        enrolment_id=enrolment.id,
        organisation_id=enrolment.organisation_id,
        owner_id=enrolment.user_id,
        title=_clean_title(title),
        evidence_type=evidence_type,
        description=(description or "").strip(),
        recorded_by_id=recorded_by.id if recorded_by else None,
        created_at=now,
        updated_at=now,
    )
    session.add(evidence)
    session.flush()
    _set_criteria(session, evidence, criteria)
    session.flush()
    record(
        session,
        "evidence.recorded_by_assessor" if recorded_by else "evidence.created",
        obj=evidence,
        organisation_id=evidence.organisation_id,
        trainee_id=evidence.owner_id,
    )
    return evidence


def update_evidence(
    session: Session,
    evidence: Evidence,
    enrolment: Enrolment,
    *,
    title: str,
    evidence_type: EvidenceType | str,
    description: str,
    criterion_ids,
) -> Evidence:
    criteria = _criteria_for(session, enrolment, criterion_ids)
    evidence.title = _clean_title(title)
    evidence.evidence_type = EvidenceType(evidence_type)
    evidence.description = (description or "").strip()
    _set_criteria(session, evidence, criteria)
    _touch(evidence)
    session.flush()
    record(session, "evidence.updated", obj=evidence, organisation_id=evidence.organisation_id)
    return evidence


def _touch(evidence: Evidence) -> None:
    evidence.version += 1
    evidence.updated_at = utcnow()


def space_used(session: Session, owner_id: int) -> int:
    """Bytes of evidence files a trainee has (files taken off drafts still count while an
    earlier submission keeps them)."""
    return session.scalar(
        select(func.coalesce(func.sum(EvidenceFile.size), 0)).where(
            EvidenceFile.owner_id == owner_id
        )
    )


def _lock_space(session: Session, owner_id: int) -> None:
    """Take the trainee's lock on her space until the transaction ends: a conditional UPDATE
    of her account row (PostgreSQL locks the row; SQLite takes its one write lock). Two uploads
    at once are decided one after the other, each seeing the other's file."""
    session.execute(
        update(User.__table__).where(User.__table__.c.id == owner_id).values(id=owner_id)
    )


def _space_check(session: Session, owner_id: int, quota_bytes: int):
    def check(staged: StagedFile) -> None:
        _lock_space(session, owner_id)
        left = quota_bytes - space_used(session, owner_id)
        if staged.size > left:
            raise FileRefused(over_quota(left))

    return check


def attach_file(
    session: Session,
    storage: EvidenceStorage,
    evidence: Evidence,
    uploader: User,
    stream: BinaryIO,
    filename: str | None,
    *,
    max_bytes: int,
    quota_bytes: int,
    scanner: Clamd | None = None,
) -> EvidenceFile:
    """Check an uploaded file and attach it to `evidence`. The file is kept in `storage` only
    once the caller's transaction commits (removed if it rolls back), and the trainee's space
    is decided under a lock, so two uploads at once cannot take her past her quota."""
    remaining = quota_bytes - space_used(session, evidence.owner_id)
    accepted = accept_upload(
        KeptOnCommit(storage, session, _space_check(session, evidence.owner_id, quota_bytes)),
        stream,
        filename,
        max_bytes=max_bytes,
        quota_remaining=remaining,
        scanner=scanner,
    )
    attached = EvidenceFile(
        evidence_id=evidence.id,
        owner_id=evidence.owner_id,
        organisation_id=evidence.organisation_id,
        sha256=accepted.sha256,
        filename=accepted.filename,
        media_type=accepted.media_type,
        kind_label=accepted.kind_label,
        size=accepted.size,
        uploaded_by_id=uploader.id,
        metadata_warning=accepted.metadata_warning,
    )
    session.add(attached)
    _touch(evidence)
    session.flush()
    record(
        session,
        "evidence.file_added",
        obj=attached,
        organisation_id=evidence.organisation_id,
        evidence_id=evidence.id,
        sha256=accepted.sha256,
        size=accepted.size,
        reencoded=accepted.reencoded,
        metadata_kept=accepted.metadata_warning is not None,
    )
    return attached


def record_refused_upload(
    session: Session, enrolment: Enrolment, refusal: FileRefused, evidence: Evidence | None = None
) -> None:
    """Put a refused upload that looked hostile, or that the scanner could not check, in the
    audit trail (the caller keeps this change although the upload itself was undone)."""
    record(
        session,
        "evidence.file_refused",
        obj=evidence,
        organisation_id=enrolment.organisation_id,
        enrolment_id=enrolment.id,
        reason=refusal.reason,
        found=refusal.detail,
    )


def remove_file(session: Session, evidence: Evidence, evidence_file: EvidenceFile) -> None:
    if evidence_file.removed_at is not None:
        raise DomainError(_("That file has already been taken off this evidence."))
    evidence_file.removed_at = utcnow()
    _touch(evidence)
    session.flush()
    record(
        session,
        "evidence.file_removed",
        obj=evidence_file,
        organisation_id=evidence.organisation_id,
        evidence_id=evidence.id,
    )


def evidence_for_unit(session: Session, enrolment: Enrolment, unit: Unit) -> list[Evidence]:
    """The trainee's evidence that claims at least one criterion of `unit`, with files and
    criteria loaded."""
    from sqlalchemy.orm import selectinload

    return list(
        session.scalars(
            select(Evidence)
            .where(
                Evidence.enrolment_id == enrolment.id,
                Evidence.id.in_(
                    select(EvidenceCriterion.evidence_id)
                    .join(AssessmentCriterion)
                    .where(AssessmentCriterion.unit_id == unit.id)
                ),
            )
            .options(selectinload(Evidence.files), selectinload(Evidence.criteria))
            .order_by(Evidence.created_at, Evidence.id)
        )
    )


def submit_unit(
    session: Session,
    enrolment: Enrolment,
    unit: Unit,
    *,
    declaration_confirmed: bool,
    changes_note: str = "",
) -> Submission:
    """Freeze the unit's evidence as it is now and send it for assessment, with what she says
    she changed since a referral (`changes_note`, kept only on a submission after the first)."""
    if not declaration_confirmed:
        raise DomainError(
            _("Please confirm that this work is your own before you submit it."),
            field="declaration",
        )
    if not enrolment.is_active:
        raise DomainError(_("This enrolment has been withdrawn, so nothing can be submitted."))
    if unit.id not in course_unit_ids(session, enrolment):
        raise DomainError(_("That unit is not part of your course."))
    require_unit_offered(session, enrolment, unit, utcnow().date())
    previous = _earlier_submissions(session, enrolment, unit)
    unit_criteria = set(
        session.scalars(
            select(AssessmentCriterion.id).where(AssessmentCriterion.unit_id == unit.id)
        )
    )
    items = _evidence_ready_to_submit(session, enrolment, unit)
    submission = Submission(
        enrolment_id=enrolment.id,
        unit_id=unit.id,
        unit_code=unit.code,
        organisation_id=enrolment.organisation_id,
        trainee_id=enrolment.user_id,
        number=len(previous) + 1,
        status=SubmissionStatus.SUBMITTED,
        declaration=str(DECLARATION),
        changes_note=(changes_note or "").strip()[:5000] if previous else "",
        submitted_at=utcnow(),
    )
    # A savepoint: the same unit submitted twice at once (a double click, two tabs) loses to
    # the database's one open submission per unit, and is told so plainly.
    try:
        with session.begin_nested():
            session.add(submission)
            session.flush()
    except IntegrityError:
        raise Conflict(str(JUST_SUBMITTED)) from None
    session.add_all(_frozen_copy(submission, evidence, unit_criteria) for evidence in items)
    session.flush()
    record(
        session,
        "portfolio.submitted",
        obj=submission,
        organisation_id=submission.organisation_id,
        unit=unit.code,
        number=submission.number,
        evidence=len(items),
    )
    for hook in capabilities.hooks("unit_submitted"):
        hook(session, submission)  # assessment tells the assessors
    return submission


ALREADY_ACHIEVED = _l(
    "You have already achieved this unit, and it is on your record: well done. "
    "There is nothing more to submit for it."
)
JUST_SUBMITTED = _l(
    "This unit has just been submitted, so it is with an assessor now. "
    "There is nothing more you need to do for it until it has been judged."
)
WITH_ASSESSOR = _l(
    "This unit is already with an assessor. You can submit again once it has been judged."
)
BEING_CHECKED = _l(
    "Your assessor has signed this unit off; it is being checked, so there is nothing to "
    "submit for it just now. We will let you know when the check is done."
)


def _earlier_submissions(session: Session, enrolment: Enrolment, unit: Unit) -> list[Submission]:
    """The unit's earlier submissions, when none of them stands in the way of a new one: a
    unit on her record (the one place that says a unit is achieved) is never submitted again,
    nor one that is still with an assessor or being checked."""
    achieved = session.scalar(
        select(UnitAchievement.id).where(
            UnitAchievement.enrolment_id == enrolment.id, UnitAchievement.unit_code == unit.code
        )
    )
    previous = list(
        session.scalars(
            select(Submission)
            .where(Submission.enrolment_id == enrolment.id, Submission.unit_code == unit.code)
            .order_by(Submission.submitted_at, Submission.id)
        )
    )
    statuses = {s.status for s in previous}
    if achieved is not None or SubmissionStatus.ACHIEVED in statuses:
        raise DomainError(str(ALREADY_ACHIEVED))
    if SubmissionStatus.SUBMITTED in statuses:
        raise DomainError(str(WITH_ASSESSOR))
    if statuses & set(OPEN_STATUSES):
        raise DomainError(str(BEING_CHECKED))
    return previous


def _evidence_ready_to_submit(session: Session, enrolment: Enrolment, unit: Unit) -> list[Evidence]:
    items = evidence_for_unit(session, enrolment, unit)
    if not items:
        raise DomainError(_("Please add some evidence for this unit before you submit it."))
    empty = [e.title for e in items if not e.current_files and not e.description.strip()]
    if empty:
        raise DomainError(
            _(
                "“%(title)s” has no file and no description yet. Please add one, or take it "
                "off this unit's criteria, before you submit.",
                title=empty[0],
            )
        )
    return items


def _frozen_copy(
    submission: Submission, evidence: Evidence, unit_criteria: set[int]
) -> SubmittedEvidence:
    """The evidence as the assessor will see it, whatever the trainee changes afterwards:
    its text, its current files by content hash, and the unit's criteria it claims."""
    return SubmittedEvidence(
        submission_id=submission.id,
        evidence_id=evidence.id,
        evidence_version=evidence.version,
        title=evidence.title,
        evidence_type=evidence.evidence_type,
        description=evidence.description,
        recorded_by_id=evidence.recorded_by_id,
        files=[
            {
                "file_id": f.id,
                "sha256": f.sha256,
                "filename": f.filename,
                "size": f.size,
                "media_type": f.media_type,
                "kind_label": f.kind_label,
            }
            | ({"metadata_warning": f.metadata_warning} if f.metadata_warning else {})
            for f in evidence.current_files
        ],
        criterion_ids=sorted(c.id for c in evidence.criteria if c.id in unit_criteria),
    )


def open_for_download(
    session: Session, storage: EvidenceStorage, evidence_file: EvidenceFile, enrolment: Enrolment
) -> BinaryIO:
    """The stored file, opened to be sent, and its download recorded in the audit trail.
    A file missing from the store is not found."""
    try:
        handle = storage.open(evidence_file.sha256)
    except KeyError:
        raise NotFound() from None
    record(
        session,
        "evidence.downloaded",
        obj=evidence_file,
        organisation_id=evidence_file.organisation_id,
        owner_id=evidence_file.owner_id,
        trainee_id=evidence_file.owner_id,
        enrolment_id=enrolment.id,
        sha256=evidence_file.sha256,
        filename=evidence_file.filename,
    )
    return handle


def note_seen(
    session: Session,
    viewer: User,
    action: str,
    obj,
    *,
    trainee_id: int,
    organisation_id: int,
    **detail,
) -> None:
    """Record that someone other than the trainee opened her work (`action` is one of
    `lms.privacy.queries.LOOKS`), so that she can see who has looked at it. Her own looks are
    hers and are not recorded."""
    if viewer.id == trainee_id:
        return
    record(
        session, action, obj=obj, organisation_id=organisation_id, trainee_id=trainee_id, **detail
    )


def download_name(evidence_file: EvidenceFile) -> str:
    """The name a download is saved under: "document-12.pdf". Her own name for the file stays
    on the page; a downloads folder (hers or her assessor's) shows nothing of what it is about."""
    extension = evidence_file.filename.rpartition(".")[2] if "." in evidence_file.filename else ""
    extension = "".join(c for c in extension.lower() if c.isascii() and c.isalnum())[:10]
    return f"document-{evidence_file.id}" + (f".{extension}" if extension else "")
