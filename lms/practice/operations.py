"""Changes to a trainee's practice: mentoring relationships and sessions, supervision, flags
and the pause they can put on practice, and her private journal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.audit.operations import record
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.errors import DomainError
from lms.i18n import _, _l
from lms.practice import notices
from lms.practice.models import (
    ClosureKind,
    FlagKind,
    JournalEntry,
    MentoringRelationship,
    PracticeFlag,
    PracticeSession,
    ServiceKind,
    SessionMode,
    SupervisionAction,
    SupervisionAttendee,
    SupervisionSession,
    SupervisorAssignment,
    SupportKind,
)
from lms.practice.pseudonyms import clean_pseudonym

MAX_SESSION_MINUTES = 8 * 60
MAX_GROUP = 8
SUPERVISOR_ROLES = (Role.ASSESSOR, Role.IQA, Role.COORDINATOR)
NOTE_LENGTH = 2000


def _active(enrolment: Enrolment) -> None:
    if not enrolment.is_active:
        raise DomainError(_("This enrolment has been withdrawn, so practice cannot be recorded."))


# What to say about a missing or future date, and about text that is too long, per thing.
_MISSING_DATE = {
    "start date": _l("Please give the start date."),
    "session date": _l("Please give the session date."),
    "closing date": _l("Please give the closing date."),
    "date": _l("Please give the date."),
}
_FUTURE_DATE = {
    "start date": _l("The start date cannot be in the future."),
    "session date": _l("The session date cannot be in the future."),
    "closing date": _l("The closing date cannot be in the future."),
    "date": _l("The date cannot be in the future."),
}
_TOO_LONG = {
    "goals": _l("Please keep the goals to %(limit)d characters or fewer."),
    "note": _l("Please keep the note to %(limit)d characters or fewer."),
    "review": _l("Please keep the review to %(limit)d characters or fewer."),
    "topics": _l("Please keep the topics to %(limit)d characters or fewer."),
    "action": _l("Please keep the action to %(limit)d characters or fewer."),
    "outcome": _l("Please keep the outcome to %(limit)d characters or fewer."),
    "entry": _l("Please keep the entry to %(limit)d characters or fewer."),
    "title": _l("Please keep the title to %(limit)d characters or fewer."),
}


def _not_future(day: date | None, what: str, field: str) -> date:
    if day is None:
        raise DomainError(str(_MISSING_DATE[what]), field=field)
    if day > utcnow().date():
        raise DomainError(str(_FUTURE_DATE[what]), field=field)
    return day


def _text(value: str | None, *, limit: int = NOTE_LENGTH, field: str, what: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise DomainError(str(_TOO_LONG[what]) % {"limit": limit}, field=field)
    return value


# --- pause ------------------------------------------------------------------------------------


def pausing_flag(session: Session, enrolment: Enrolment) -> PracticeFlag | None:
    """The open flag that pauses her practice, if any."""
    return session.scalar(
        select(PracticeFlag)
        .where(
            PracticeFlag.enrolment_id == enrolment.id,
            PracticeFlag.pauses_practice.is_(True),
            PracticeFlag.followed_up_on.is_(None),
        )
        .order_by(PracticeFlag.raised_at)
        .limit(1)
    )


def _not_paused(session: Session, enrolment: Enrolment) -> None:
    if pausing_flag(session, enrolment) is not None:
        raise DomainError(
            _(
                "Your practice is paused for now while you and your supervisor talk "
                "things through. "
                "Once she has followed up, you can log sessions again."
            )
        )


def award_when_ready(session: Session, enrolment: Enrolment) -> None:
    """Practice may be the last thing a qualification was waiting for: once her units and her
    practice both meet the rules, the award is made, as it is after a last unit's sign-off."""
    from lms.accreditation.operations import award_for, evaluate_enrolment, issue_award
    from lms.curriculum.models import Course

    course = session.get(Course, enrolment.course_id)
    if (
        course.is_qualification
        and course.rules_of_combination
        and enrolment.is_active
        and award_for(session, enrolment) is None
        and evaluate_enrolment(session, enrolment, course).met
    ):
        issue_award(session, enrolment)


# --- relationships and sessions ---------------------------------------------------------------


def start_relationship(
    session: Session, enrolment: Enrolment, *, pseudonym: str, started_on: date, goals: str
) -> MentoringRelationship:
    """A new mentoring relationship, the mentee known only by a pseudonym."""
    _active(enrolment)
    _not_paused(session, enrolment)
    name = clean_pseudonym(pseudonym)
    started_on = _not_future(started_on, "start date", "started_on")
    if started_on < enrolment.enrolled_at.date():
        raise DomainError(
            _("A relationship during training starts on or after the day you enrolled."),
            field="started_on",
        )
    taken = session.scalar(
        select(
            exists().where(
                MentoringRelationship.enrolment_id == enrolment.id,
                MentoringRelationship.pseudonym == name,
                MentoringRelationship.closed_on.is_(None),
            )
        )
    )
    if taken:
        raise DomainError(
            _(
                "You already have an open relationship with “%(name)s”. Please choose another "
                "pseudonym, so the two are easy to tell apart.",
                name=name,
            ),
            field="pseudonym",
        )
    mentoring = MentoringRelationship(
        enrolment_id=enrolment.id,
        organisation_id=enrolment.organisation_id,
        mentor_id=enrolment.user_id,
        pseudonym=name,
        started_on=started_on,
        goals=_text(goals, field="goals", what="goals"),
    )
    session.add(mentoring)
    session.flush()
    record(
        session,
        "practice.relationship_started",
        obj=mentoring,
        organisation_id=enrolment.organisation_id,
    )
    return mentoring


def log_session(
    session: Session,
    mentoring: MentoringRelationship,
    enrolment: Enrolment,
    *,
    held_on: date,
    minutes: int,
    mode: SessionMode | str,
    support: SupportKind | str,
    service: ServiceKind | str | None = None,
    note: str = "",
) -> PracticeSession:
    """A session with the mentee of `mentoring` (which belongs to `enrolment`)."""
    _active(enrolment)
    _not_paused(session, enrolment)
    if not mentoring.is_open:
        raise DomainError(_("This relationship has closed, so no more sessions can be logged."))
    held_on = _not_future(held_on, "session date", "held_on")
    if held_on < mentoring.started_on:
        raise DomainError(
            _("A session cannot be before the relationship started."), field="held_on"
        )
    if not minutes or not 0 < minutes <= MAX_SESSION_MINUTES:
        raise DomainError(
            _(
                "Please give the session's length in minutes (up to %(limit)d).",
                limit=MAX_SESSION_MINUTES,
            ),
            field="minutes",
        )
    support = SupportKind(support)
    service = ServiceKind(service) if service else None
    if support == SupportKind.BRIDGE and service is None:
        raise DomainError(
            _("Please choose the kind of service you helped her reach (never who)."),
            field="service",
        )
    practice_session = PracticeSession(
        relationship_id=mentoring.id,
        enrolment_id=enrolment.id,
        organisation_id=enrolment.organisation_id,
        held_on=held_on,
        minutes=minutes,
        mode=SessionMode(mode),
        support=support,
        service=service if support == SupportKind.BRIDGE else None,
        note=_text(note, field="note", what="note"),
    )
    session.add(practice_session)
    session.flush()
    record(
        session,
        "practice.session_logged",
        obj=practice_session,
        organisation_id=enrolment.organisation_id,
    )
    award_when_ready(session, enrolment)
    return practice_session


def close_relationship(
    session: Session,
    mentoring: MentoringRelationship,
    *,
    closed_on: date,
    kind: ClosureKind | str,
    achieved: str,
    learned: str,
) -> MentoringRelationship:
    """Close the relationship with its closure review."""
    if not mentoring.is_open:
        raise DomainError(_("This relationship has already closed."))
    closed_on = _not_future(closed_on, "closing date", "closed_on")
    if closed_on < mentoring.started_on:
        raise DomainError(_("A relationship cannot close before it started."), field="closed_on")
    achieved = _text(achieved, field="achieved", what="review")
    learned = _text(learned, field="learned", what="review")
    if not achieved or not learned:
        raise DomainError(
            _(
                "Please say briefly what was achieved and what you learned: the closure review is "
                "part of a good ending."
            ),
            field="achieved" if not achieved else "learned",
        )
    mentoring.closed_on = closed_on
    mentoring.closure_kind = ClosureKind(kind)
    mentoring.closure_achieved = achieved
    mentoring.closure_learned = learned
    session.flush()
    record(
        session,
        "practice.relationship_closed",
        obj=mentoring,
        organisation_id=mentoring.organisation_id,
    )
    return mentoring


# --- supervision ------------------------------------------------------------------------------


def assign_supervisor(
    session: Session, enrolment: Enrolment, supervisor: User
) -> SupervisorAssignment:
    """Name `supervisor` (an assessor, IQA or coordinator of her organisation) her supervisor."""
    if not any(r in SUPERVISOR_ROLES for r in supervisor.roles_in(enrolment.organisation_id)):
        raise DomainError(
            _("A supervisor must be an assessor, quality assurer or coordinator here."),
            field="supervisor",
        )
    if supervisor.id == enrolment.user_id:
        raise DomainError(_("A trainee cannot supervise her own practice."), field="supervisor")
    assignment = session.scalar(
        select(SupervisorAssignment).where(SupervisorAssignment.enrolment_id == enrolment.id)
    )
    if assignment is None:
        assignment = SupervisorAssignment(
            enrolment_id=enrolment.id, organisation_id=enrolment.organisation_id
        )
        session.add(assignment)
    assignment.supervisor_id = supervisor.id
    assignment.assigned_at = utcnow()
    session.flush()
    record(
        session,
        "practice.supervisor_assigned",
        obj=assignment,
        organisation_id=enrolment.organisation_id,
        supervisor_id=supervisor.id,
    )
    return assignment


def record_supervision(
    session: Session,
    organisation: Organisation,
    supervisor: User,
    enrolments: Sequence[Enrolment],
    *,
    held_on: date,
    topics: str,
    actions: Iterable[tuple[str, date]] = (),
) -> SupervisionSession:
    """A supervision session with one trainee or a small group of `organisation`'s trainees,
    with the actions agreed and when each is due."""
    if not enrolments:
        raise DomainError(_("Please choose who attended."), field="attendees")
    if len(enrolments) > MAX_GROUP:
        raise DomainError(
            _("Group supervision is for up to %(limit)d trainees.", limit=MAX_GROUP),
            field="attendees",
        )
    if any(e.organisation_id != organisation.id for e in enrolments):
        raise DomainError(_("Everyone attending must be a trainee here."), field="attendees")
    held_on = _not_future(held_on, "date", "held_on")
    topics = _text(topics, field="topics", what="topics")
    if not topics:
        raise DomainError(_("Please note the topics you talked about."), field="topics")
    supervision = SupervisionSession(
        organisation_id=organisation.id, supervisor_id=supervisor.id, held_on=held_on, topics=topics
    )
    supervision.attendees = [SupervisionAttendee(enrolment_id=e.id) for e in enrolments]
    for text, due_on in actions:
        text = _text(text, limit=500, field="actions", what="action")
        if not text:
            continue
        if due_on is None or due_on < held_on:
            raise DomainError(
                _("Each agreed action needs a due date on or after the session."), field="actions"
            )
        supervision.actions.append(SupervisionAction(text=text, due_on=due_on))
    session.add(supervision)
    session.flush()
    record(
        session,
        "practice.supervision_recorded",
        obj=supervision,
        organisation_id=organisation.id,
        attendees=len(enrolments),
    )
    notices.supervision_recorded(session, supervision, list(enrolments))
    for enrolment in enrolments:
        award_when_ready(session, enrolment)
    return supervision


def complete_action(session: Session, action: SupervisionAction) -> SupervisionAction:
    if action.done_on is None:
        action.done_on = utcnow().date()
        session.flush()
    return action


# --- flags ------------------------------------------------------------------------------------


def raise_flag(
    session: Session,
    enrolment: Enrolment,
    raised_by: User,
    *,
    kind: FlagKind | str,
    follow_up_on: date,
    note: str = "",
    pauses_practice: bool = False,
    mentoring: MentoringRelationship | None = None,
) -> PracticeFlag:
    """A concern about her practice, to be followed up by `follow_up_on`; with
    `pauses_practice`, no new sessions or relationships until it is followed up."""
    if follow_up_on is None or follow_up_on < utcnow().date():
        raise DomainError(_("Please choose a follow-up date from today on."), field="follow_up_on")
    if mentoring is not None and mentoring.enrolment_id != enrolment.id:
        raise DomainError(_("That relationship is not this trainee's."), field="relationship")
    flag = PracticeFlag(
        enrolment_id=enrolment.id,
        organisation_id=enrolment.organisation_id,
        relationship_id=mentoring.id if mentoring else None,
        kind=FlagKind(kind),
        note=_text(note, field="note", what="note"),
        pauses_practice=bool(pauses_practice),
        follow_up_on=follow_up_on,
        raised_by_id=raised_by.id,
        raised_at=utcnow(),
    )
    session.add(flag)
    session.flush()
    record(
        session,
        "practice.flag_raised",
        obj=flag,
        organisation_id=enrolment.organisation_id,
        kind=flag.kind.value,
        pauses=flag.pauses_practice,
    )
    return flag


def follow_up_flag(session: Session, flag: PracticeFlag, by: User, *, outcome: str) -> PracticeFlag:
    """Record the follow-up's outcome; a pause the flag put on her practice is lifted."""
    if not flag.is_open:
        raise DomainError(_("This flag has already been followed up."))
    outcome = _text(outcome, field="outcome", what="outcome")
    if not outcome:
        raise DomainError(_("Please note the outcome of the follow-up."), field="outcome")
    flag.outcome = outcome
    flag.followed_up_on = utcnow().date()
    flag.followed_up_by_id = by.id
    session.flush()
    record(session, "practice.flag_followed_up", obj=flag, organisation_id=flag.organisation_id)
    return flag


# --- journal ----------------------------------------------------------------------------------


def _journal_body(headings: Sequence[str], answers: Sequence[str]) -> dict[str, str]:
    body = {}
    for heading, answer in zip(headings, answers, strict=True):
        body[heading] = _text(answer, limit=10_000, field="body", what="entry")
    if not any(body.values()):
        raise DomainError(_("Please write something before saving."), field="body")
    return body


def write_entry(
    session: Session,
    enrolment: Enrolment,
    author: User,
    *,
    title: str,
    headings: Sequence[str],
    answers: Sequence[str],
    prompt_key: str | None = None,
) -> JournalEntry:
    """A new private journal entry. The audit trail notes that an entry was written, never
    what it says."""
    if author.id != enrolment.user_id:
        raise DomainError(_("Only you can write in your journal."))
    title = _text(title, limit=200, field="title", what="title") or _("Untitled reflection")
    now = utcnow()
    entry = JournalEntry(
        author_id=author.id,
        enrolment_id=enrolment.id,
        title=title,
        prompt_key=prompt_key,
        body=_journal_body(headings, answers),
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    record(session, "journal.entry_written", obj=entry, organisation_id=None)
    return entry


def update_entry(
    session: Session, entry: JournalEntry, *, title: str, answers: Sequence[str]
) -> JournalEntry:
    entry.title = _text(title, limit=200, field="title", what="title") or entry.title
    entry.body = _journal_body(list(entry.body), answers)
    entry.updated_at = utcnow()
    session.flush()
    return entry


def entry_as_evidence(
    session: Session, entry: JournalEntry, enrolment: Enrolment, criterion_ids: Iterable[int]
):
    """A frozen copy of the entry becomes portfolio evidence for the criteria chosen; the
    entry itself stays private (editing it later does not change the copy)."""
    from lms.portfolio.operations import create_evidence

    if entry.evidence_id is not None:
        raise DomainError(_("A copy of this entry is already in your portfolio."))
    text = "\n\n".join(
        f"{heading}\n{answer}" if heading else answer
        for heading, answer in entry.body.items()
        if answer
    )
    evidence = create_evidence(
        session,
        enrolment,
        title=entry.title,
        evidence_type="reflective_account",
        description=text,
        criterion_ids=list(criterion_ids),
    )
    entry.evidence_id = evidence.id
    session.flush()
    return evidence
