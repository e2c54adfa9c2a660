"""What the practice capability answers for others (see `lms.capabilities.HOOKS`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import User
from lms.curriculum.models import Enrolment
from lms.i18n import _
from lms.practice import queries
from lms.practice.models import (
    JournalEntry,
    MentoringRelationship,
    PracticeFlag,
    PracticeSession,
    SupervisionAttendee,
    SupervisionSession,
    SupervisorAssignment,
)

ERASED = "(removed)"


def award_requirements(session: Session, enrolment: Enrolment) -> list[str]:
    """Practice hours and supervision sessions the qualification still asks of her."""
    return queries.unmet_requirements(session, enrolment)


def _enrolment_ids(user: User):
    return select(Enrolment.id).where(Enrolment.user_id == user.id)


def _relationships(session: Session, user: User) -> list[dict]:
    rows = session.scalars(
        select(MentoringRelationship)
        .where(MentoringRelationship.mentor_id == user.id)
        .order_by(MentoringRelationship.started_on, MentoringRelationship.id)
    )
    sessions_by: dict[int, list[dict]] = {}
    for s in session.scalars(
        select(PracticeSession)
        .where(PracticeSession.enrolment_id.in_(_enrolment_ids(user)))
        .order_by(PracticeSession.held_on, PracticeSession.id)
    ):
        sessions_by.setdefault(s.relationship_id, []).append(
            {
                "date": s.held_on.isoformat(),
                "minutes": s.minutes,
                "where": s.mode.label,
                "support": s.support.label,
                "service": s.service.label if s.service else None,
                "note": s.note,
            }
        )
    return [
        {
            "mentee": r.pseudonym,
            "started": r.started_on.isoformat(),
            "goals": r.goals,
            "closed": r.closed_on.isoformat() if r.closed_on else None,
            "how_it_ended": r.closure_kind.label if r.closure_kind else None,
            "what_was_achieved": r.closure_achieved,
            "what_i_learned": r.closure_learned,
            "sessions": sessions_by.get(r.id, []),
        }
        for r in rows
    ]


def _supervision(session: Session, user: User) -> list[dict]:
    rows = session.scalars(
        select(SupervisionSession)
        .join(SupervisionAttendee, SupervisionAttendee.supervision_id == SupervisionSession.id)
        .options(selectinload(SupervisionSession.actions))
        .where(SupervisionAttendee.enrolment_id.in_(_enrolment_ids(user)))
        .order_by(SupervisionSession.held_on, SupervisionSession.id)
    ).unique()
    return [
        {
            "date": row.held_on.isoformat(),
            "topics": row.topics,
            "actions": [
                {"action": a.text, "due": a.due_on.isoformat(), "done": bool(a.done_on)}
                for a in row.actions
            ],
        }
        for row in rows
    ]


def _flags(session: Session, user: User) -> list[dict]:
    return [
        {
            "raised": flag.raised_at.date().isoformat(),
            "about": flag.kind.label,
            "what_it_means": flag.kind_words,
            "note": flag.note,
            "follow_up_by": flag.follow_up_on.isoformat(),
            "followed_up": flag.followed_up_on.isoformat() if flag.followed_up_on else None,
            "outcome": flag.outcome,
        }
        for flag in session.scalars(
            select(PracticeFlag)
            .where(PracticeFlag.enrolment_id.in_(_enrolment_ids(user)))
            .order_by(PracticeFlag.raised_at, PracticeFlag.id)
        )
    ]


def _journal(session: Session, user: User) -> Iterator[tuple[str, str]]:
    for entry in queries.journal_of(session, user):
        written = _("Written %(date)s", date=entry.created_at.date().isoformat())
        lines = [f"# {entry.title}", written, ""]
        for heading, text in entry.body.items():
            if heading:
                lines += [f"## {heading}", ""]
            lines += [text, ""]
        yield f"practice/journal/{entry.created_at:%Y-%m-%d}-{entry.id}.md", "\n".join(lines)


def subject_access(session: Session, user: User) -> Iterator[tuple[str, str]]:
    """Her relationships and sessions, supervision about her, flags about her, her journal."""
    practice = {
        "mentoring_relationships": _relationships(session, user),
        "supervision_sessions": _supervision(session, user),
        "flags": _flags(session, user),
    }
    yield "practice/practice.json", json.dumps(practice, indent=2, ensure_ascii=False)
    yield from _journal(session, user)


def erase_person(session: Session, user: User) -> None:
    """Her journal is deleted (it was hers alone); what she wrote about her mentees and the
    supervision notes about her are emptied, keeping dates and minutes so that practice-hour
    figures stay true; her supervision assignments as a supervisor are ended."""
    enrolment_ids = _enrolment_ids(user)
    session.execute(delete(JournalEntry).where(JournalEntry.author_id == user.id))
    session.execute(
        update(MentoringRelationship)
        .where(MentoringRelationship.mentor_id == user.id)
        .values(pseudonym=ERASED, goals="", closure_achieved="", closure_learned="")
    )
    session.execute(
        update(PracticeSession)
        .where(PracticeSession.enrolment_id.in_(enrolment_ids))
        .values(note="")
    )
    session.execute(
        update(PracticeFlag)
        .where(PracticeFlag.enrolment_id.in_(enrolment_ids))
        .values(note="", outcome=ERASED)
        .where(PracticeFlag.outcome.is_not(None))
    )
    session.execute(
        update(PracticeFlag)
        .where(PracticeFlag.enrolment_id.in_(enrolment_ids), PracticeFlag.outcome.is_(None))
        .values(note="")
    )
    # What she did as a supervisor stays on the trainees' records, without her name.
    session.execute(
        update(SupervisionSession)
        .where(SupervisionSession.supervisor_id == user.id)
        .values(supervisor_id=None)
    )
    session.execute(
        update(PracticeFlag).where(PracticeFlag.raised_by_id == user.id).values(raised_by_id=None)
    )
    session.execute(
        update(PracticeFlag)
        .where(PracticeFlag.followed_up_by_id == user.id)
        .values(followed_up_by_id=None)
    )
    session.execute(
        delete(SupervisorAssignment).where(
            (SupervisorAssignment.supervisor_id == user.id)
            | SupervisorAssignment.enrolment_id.in_(enrolment_ids)
        )
    )
    session.flush()
