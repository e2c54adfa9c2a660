"""Who has looked at a person's work: read from the audit trail.

Every audit event of a look at someone's evidence carries `trainee_id` in its detail (older
evidence downloads carry `owner_id`), so her list is one query however long it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from lms.accounts.models import User
from lms.accounts.roles import ROLE_LABELS
from lms.audit.models import AuditEvent

# What each kind of look was, in plain words, as she reads it ("... your work").
LOOKS = {
    "evidence.viewed": "Opened a piece of your evidence",
    "evidence.downloaded": "Downloaded a file from your evidence",
    "submission.viewed": "Looked at work you sent for assessment",
    "assessment.opened": "Opened your work to assess it",
    "assessment.decided": "Made a decision about your work",
    "assessment.countersigned": "Checked and countersigned a decision about your work",
    "assessment.countersign_refused": "Checked a decision about your work and sent it back",
    "iqa.opened": "Opened your work to check an assessor's decision (quality assurance)",
    "iqa.agreed": "Agreed with a decision about your work (quality assurance)",
    "iqa.disagreed": "Disagreed with a decision about your work (quality assurance)",
    "standardisation.opened": "Looked at your work in an assessors' practice exercise",
    "standardisation.judged": "Judged your work in an assessors' practice exercise",
    "record.viewed": "Looked at your learner record (your units, evidence and decisions)",
    "record.downloaded": "Downloaded your learner record as a PDF",
}

SUPPORT = "To support you with your work, or to assess it"
ASSESSING = "To assess your work"
CHECKING = "To check that a decision about your work is fair"
TRAINING = "Assessor training: making sure assessors judge work alike"
# Why each kind of look happens, in plain words.
WHY = {
    "evidence.viewed": SUPPORT,
    "evidence.downloaded": SUPPORT,
    "submission.viewed": SUPPORT,
    "assessment.opened": ASSESSING,
    "assessment.decided": ASSESSING,
    "assessment.countersigned": CHECKING,
    "assessment.countersign_refused": CHECKING,
    "iqa.opened": CHECKING,
    "iqa.agreed": CHECKING,
    "iqa.disagreed": CHECKING,
    "standardisation.opened": TRAINING,
    "standardisation.judged": TRAINING,
    "record.viewed": "To follow your progress towards your qualification",
    "record.downloaded": "To follow your progress towards your qualification",
}


@dataclass(frozen=True)
class Look:
    when: datetime
    who: str
    role: str
    what: str
    why: str
    detail: str


def _role(actor: User | None, organisation_id: int | None) -> str:
    if actor is None:
        return ""
    roles = actor.roles_in(organisation_id) if organisation_id else set()
    roles = roles or actor.roles
    return ", ".join(sorted(ROLE_LABELS[r] for r in roles))


def _detail(event: AuditEvent) -> str:
    filename = (event.detail or {}).get("filename")
    return f"“{filename}”" if filename else ""


def looks_at_work_of(session: Session, user: User, limit: int = 500) -> list[Look]:
    """Each time someone else opened, downloaded or judged `user`'s work, newest first."""
    trainee = AuditEvent.detail["trainee_id"].as_integer()
    owner = AuditEvent.detail["owner_id"].as_integer()
    events = session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(
            AuditEvent.action.in_(LOOKS),
            or_(trainee == user.id, owner == user.id),
            or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id != user.id),
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return [
        Look(
            when=event.occurred_at,
            who=event.actor.display_name if event.actor else "The system",
            role=_role(event.actor, event.organisation_id),
            what=LOOKS[event.action],
            why=WHY[event.action],
            detail=_detail(event),
        )
        for event in events
    ]
