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
from lms.i18n import _, _l

# What each kind of look was, in plain words, as she reads it ("... your work").
LOOKS = {
    "evidence.viewed": _l("Opened a piece of your evidence"),
    "evidence.downloaded": _l("Downloaded a file from your evidence"),
    "submission.viewed": _l("Looked at work you sent for assessment"),
    "assessment.opened": _l("Opened your work to assess it"),
    "assessment.decided": _l("Made a decision about your work"),
    "assessment.countersigned": _l("Checked and countersigned a decision about your work"),
    "assessment.countersign_refused": _l("Checked a decision about your work and sent it back"),
    "iqa.opened": _l("Opened your work to check an assessor's decision (quality assurance)"),
    "iqa.agreed": _l("Agreed with a decision about your work (quality assurance)"),
    "iqa.disagreed": _l("Disagreed with a decision about your work (quality assurance)"),
    "standardisation.opened": _l("Looked at your work in an assessors' practice exercise"),
    "standardisation.judged": _l("Judged your work in an assessors' practice exercise"),
    "record.viewed": _l("Looked at your learner record (your units, evidence and decisions)"),
    "record.downloaded": _l("Downloaded your learner record as a PDF"),
}

SUPPORT = _l("To support you with your work, or to assess it")
ASSESSING = _l("To assess your work")
CHECKING = _l("To check that a decision about your work is fair")
FOLLOWING = _l("To follow your progress towards your qualification")
TRAINING = _l("Assessor training: making sure assessors judge work alike")
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
    "record.viewed": FOLLOWING,
    "record.downloaded": FOLLOWING,
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
        # Each looker's roles are named: her memberships come with her (they are not loaded
        # with a person unless asked for), so the page takes the same queries however many.
        .options(joinedload(AuditEvent.actor).selectinload(User.memberships))
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
            who=event.actor.display_name if event.actor else _("The system"),
            role=_role(event.actor, event.organisation_id),
            what=str(LOOKS[event.action]),
            why=str(WHY[event.action]),
            detail=_detail(event),
        )
        for event in events
    ]
