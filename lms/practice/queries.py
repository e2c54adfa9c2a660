"""Reading practice: a trainee's summary and requirements, a supervisor's supervisees, and the
coordinator's figures, each in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from sqlalchemy import ScalarSelect, Select, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from lms.accounts.models import Organisation, User
from lms.curriculum.models import Cohort, Enrolment, EnrolmentStatus
from lms.errors import NotFound
from lms.i18n import _, format_decimal, format_number
from lms.practice.models import (
    JournalEntry,
    MentoringRelationship,
    PracticeFlag,
    PracticeRequirement,
    PracticeSession,
    SupervisionAction,
    SupervisionAttendee,
    SupervisionSession,
    SupervisorAssignment,
)

# A trainee with an open relationship and no supervision for this long is overdue for one.
SUPERVISION_INTERVAL = timedelta(days=42)


def gibbs() -> dict:
    """The built-in guide, in the reader's language (English outside a request)."""
    return {
        "key": "gibbs",
        "title": _("Gibbs' reflective cycle"),
        "headings": [
            _("Description: what happened?"),
            _("Feelings: what were you thinking and feeling?"),
            _("Evaluation: what was good and bad about it?"),
            _("Analysis: what sense can you make of it?"),
            _("Conclusion: what else could you have done?"),
            _("Action plan: if it arose again, what would you do?"),
        ],
    }


def free_writing() -> dict:
    return {"key": "", "title": _("Free writing"), "headings": [""]}


GIBBS = gibbs()


def hours(minutes: int) -> float:
    return round(minutes / 60, 1)


@dataclass
class PracticeTotals:
    minutes: int = 0
    sessions: int = 0
    supervisions: int = 0


@dataclass
class Requirement:
    hours: int = 0
    supervision_sessions: int = 0
    prompts: list[dict] = field(default_factory=list)


def requirement_for(session: Session, course_id: int) -> Requirement:
    stored = session.get(PracticeRequirement, course_id)
    if stored is None:
        return Requirement()
    return Requirement(stored.hours, stored.supervision_sessions, list(stored.prompts or []))


def totals_for(session: Session, enrolment_ids: Select | list[int]) -> dict[int, PracticeTotals]:
    """{enrolment id: minutes, sessions and supervisions attended}: two queries."""
    totals: dict[int, PracticeTotals] = defaultdict(PracticeTotals)
    for enrolment_id, minutes, count in session.execute(
        select(
            PracticeSession.enrolment_id,
            func.sum(PracticeSession.minutes),
            func.count(PracticeSession.id),
        )
        .where(PracticeSession.enrolment_id.in_(enrolment_ids))
        .group_by(PracticeSession.enrolment_id)
    ):
        totals[enrolment_id].minutes = int(minutes or 0)
        totals[enrolment_id].sessions = count
    for enrolment_id, count in session.execute(
        select(SupervisionAttendee.enrolment_id, func.count(SupervisionAttendee.id))
        .where(SupervisionAttendee.enrolment_id.in_(enrolment_ids))
        .group_by(SupervisionAttendee.enrolment_id)
    ):
        totals[enrolment_id].supervisions = count
    return totals


def minutes_logged(enrolment_id) -> ScalarSelect:
    """A subquery: the minutes of practice logged on the enrolment `enrolment_id` names (a
    column or a parameter), 0 for none. Every session lasts a minute or more."""
    return (
        select(func.coalesce(func.sum(PracticeSession.minutes), 0))
        .where(PracticeSession.enrolment_id == enrolment_id)
        .scalar_subquery()
    )


def supervisions_attended(enrolment_id) -> ScalarSelect:
    """A subquery: how many supervision sessions the enrolment's trainee attended."""
    return (
        select(func.count(SupervisionAttendee.id))
        .where(SupervisionAttendee.enrolment_id == enrolment_id)
        .scalar_subquery()
    )


@cache
def _unmet_statement() -> Select:
    # Built once and bound at each use: asked for each of her courses on her home page.
    enrolment_id = bindparam("enrolment_id")
    return select(
        PracticeRequirement.hours,
        PracticeRequirement.supervision_sessions,
        minutes_logged(enrolment_id),
        supervisions_attended(enrolment_id),
    ).where(PracticeRequirement.course_id == bindparam("course_id"))


def unmet_requirements(session: Session, enrolment: Enrolment) -> list[str]:
    """The practice the qualification still asks of her before award, in plain words (the
    `award_requirements` hook)."""
    # One statement: the course's requirement with what she has done beside it (asked for
    # each of her courses on her home page).
    found = session.execute(
        _unmet_statement(), {"enrolment_id": enrolment.id, "course_id": enrolment.course_id}
    ).first()
    if found is None:
        return []
    required_hours, required_supervisions, minutes, supervisions = found
    needed = []
    if required_hours and int(minutes or 0) < required_hours * 60:
        needed.append(
            _(
                "%(hours)s practice hours (so far %(done)s)",
                hours=format_number(required_hours),
                done=format_decimal(hours(int(minutes or 0)), "#,##0.#"),
            )
        )
    if required_supervisions and supervisions < required_supervisions:
        needed.append(
            _(
                "%(sessions)s supervision sessions (so far %(done)s)",
                sessions=format_number(required_supervisions),
                done=format_number(supervisions),
            )
        )
    return needed


# --- one trainee's practice ---------------------------------------------------------------------


def enrolment_for(session: Session, enrolment_id: int) -> Enrolment:
    enrolment = session.scalar(
        select(Enrolment)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.course))
        .where(Enrolment.id == enrolment_id)
    )
    if enrolment is None:
        raise NotFound()
    return enrolment


def relationships_of(session: Session, enrolment: Enrolment) -> list[MentoringRelationship]:
    return list(
        session.scalars(
            select(MentoringRelationship)
            .options(selectinload(MentoringRelationship.sessions))
            .where(MentoringRelationship.enrolment_id == enrolment.id)
            .order_by(
                MentoringRelationship.closed_on.is_not(None), MentoringRelationship.started_on
            )
        )
    )


def relationship_of(
    session: Session, enrolment: Enrolment, relationship_id: int
) -> MentoringRelationship:
    """One of her relationships, loaded through her enrolment (another's id is missing)."""
    mentoring = session.scalar(
        select(MentoringRelationship)
        .options(selectinload(MentoringRelationship.sessions))
        .where(
            MentoringRelationship.id == relationship_id,
            MentoringRelationship.enrolment_id == enrolment.id,
        )
    )
    if mentoring is None:
        raise NotFound()
    return mentoring


def flags_of(session: Session, enrolment: Enrolment) -> list[PracticeFlag]:
    return list(
        session.scalars(
            select(PracticeFlag)
            .options(joinedload(PracticeFlag.raised_by))
            .where(PracticeFlag.enrolment_id == enrolment.id)
            .order_by(PracticeFlag.followed_up_on.is_not(None), PracticeFlag.follow_up_on)
        )
    )


def flag_of(session: Session, enrolment: Enrolment, flag_id: int) -> PracticeFlag:
    flag = session.scalar(
        select(PracticeFlag).where(
            PracticeFlag.id == flag_id, PracticeFlag.enrolment_id == enrolment.id
        )
    )
    if flag is None:
        raise NotFound()
    return flag


def supervisions_of(session: Session, enrolment: Enrolment) -> list[SupervisionSession]:
    """Supervision sessions she attended, newest first, with who led them and the actions."""
    return list(
        session.scalars(
            select(SupervisionSession)
            .join(SupervisionAttendee, SupervisionAttendee.supervision_id == SupervisionSession.id)
            .options(
                joinedload(SupervisionSession.supervisor),
                selectinload(SupervisionSession.actions),
                selectinload(SupervisionSession.attendees)
                .joinedload(SupervisionAttendee.enrolment)
                .joinedload(Enrolment.user),
            )
            .where(SupervisionAttendee.enrolment_id == enrolment.id)
            .order_by(SupervisionSession.held_on.desc(), SupervisionSession.id.desc())
        )
    )


def action_of(session: Session, enrolment: Enrolment, action_id: int) -> SupervisionAction:
    action = session.scalar(
        select(SupervisionAction)
        .join(
            SupervisionAttendee,
            SupervisionAttendee.supervision_id == SupervisionAction.supervision_id,
        )
        .where(SupervisionAction.id == action_id, SupervisionAttendee.enrolment_id == enrolment.id)
    )
    if action is None:
        raise NotFound()
    return action


def supervisor_of(session: Session, enrolment: Enrolment) -> User | None:
    return session.scalar(
        select(User)
        .join(SupervisorAssignment, SupervisorAssignment.supervisor_id == User.id)
        .where(SupervisorAssignment.enrolment_id == enrolment.id)
    )


def possible_supervisors(session: Session, organisation_id: int) -> list[User]:
    from lms.accounts.models import Membership
    from lms.practice.operations import SUPERVISOR_ROLES

    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role.in_(SUPERVISOR_ROLES),
                User.is_disabled.is_(False),
            )
            .distinct()
            .order_by(User.display_name, User.id)
        )
    )


# --- lists -------------------------------------------------------------------------------------


@dataclass
class TraineePractice:
    enrolment: Enrolment
    totals: PracticeTotals
    requirement: Requirement
    open_flags: int = 0
    overdue_flags: int = 0
    supervisor: User | None = None

    @property
    def hours(self) -> float:
        return hours(self.totals.minutes)


def trainees_practice(
    session: Session, enrolment_ids: Select, today: date
) -> list[TraineePractice]:
    """Each enrolment of `enrolment_ids` (active ones) with its practice: five queries."""
    enrolments = list(
        session.scalars(
            select(Enrolment)
            .options(joinedload(Enrolment.user), joinedload(Enrolment.course))
            .where(Enrolment.id.in_(enrolment_ids), Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .order_by(Enrolment.organisation_id, Enrolment.id)
        )
    )
    ids = [e.id for e in enrolments]
    totals = totals_for(session, ids)
    requirements = {
        r.course_id: Requirement(r.hours, r.supervision_sessions)
        for r in session.scalars(
            select(PracticeRequirement).where(
                PracticeRequirement.course_id.in_({e.course_id for e in enrolments})
            )
        )
    }
    flags: dict[int, tuple[int, int]] = {
        enrolment_id: (int(count), int(overdue or 0))
        for enrolment_id, count, overdue in session.execute(
            select(
                PracticeFlag.enrolment_id,
                func.count(PracticeFlag.id),
                func.sum(case((PracticeFlag.follow_up_on < today, 1), else_=0)),
            )
            .where(PracticeFlag.enrolment_id.in_(ids), PracticeFlag.followed_up_on.is_(None))
            .group_by(PracticeFlag.enrolment_id)
        )
    }
    supervisors = dict(
        session.execute(
            select(SupervisorAssignment.enrolment_id, User)
            .join(User, User.id == SupervisorAssignment.supervisor_id)
            .where(SupervisorAssignment.enrolment_id.in_(ids))
        ).all()
    )
    return [
        TraineePractice(
            enrolment=e,
            totals=totals.get(e.id, PracticeTotals()),
            requirement=requirements.get(e.course_id, Requirement()),
            open_flags=flags.get(e.id, (0, 0))[0],
            overdue_flags=flags.get(e.id, (0, 0))[1],
            supervisor=supervisors.get(e.id),
        )
        for e in enrolments
    ]


def overdue_flags(session: Session, enrolment_ids: Select, today: date) -> list[PracticeFlag]:
    """Flags not followed up by their date, oldest first, with the trainee."""
    return list(
        session.scalars(
            select(PracticeFlag)
            .options(joinedload(PracticeFlag.enrolment).joinedload(Enrolment.user))
            .where(
                PracticeFlag.enrolment_id.in_(enrolment_ids),
                PracticeFlag.followed_up_on.is_(None),
                PracticeFlag.follow_up_on < today,
            )
            .order_by(PracticeFlag.follow_up_on, PracticeFlag.id)
        )
    )


def overdue_actions(session: Session, supervisor: User, today: date) -> list[SupervisionAction]:
    return list(
        session.scalars(
            select(SupervisionAction)
            .join(SupervisionSession, SupervisionSession.id == SupervisionAction.supervision_id)
            .where(
                SupervisionSession.supervisor_id == supervisor.id,
                SupervisionAction.done_on.is_(None),
                SupervisionAction.due_on < today,
            )
            .order_by(SupervisionAction.due_on)
        )
    )


def supervision_overdue(session: Session, enrolment_ids: Select, today: date) -> int:
    """Trainees with an open relationship and no supervision in `SUPERVISION_INTERVAL`."""
    since = today - SUPERVISION_INTERVAL
    recent = (
        select(SupervisionAttendee.enrolment_id)
        .join(SupervisionSession, SupervisionSession.id == SupervisionAttendee.supervision_id)
        .where(SupervisionSession.held_on >= since)
    )
    return (
        session.scalar(
            select(func.count(func.distinct(MentoringRelationship.enrolment_id))).where(
                MentoringRelationship.enrolment_id.in_(enrolment_ids),
                MentoringRelationship.closed_on.is_(None),
                MentoringRelationship.started_on < since,
                MentoringRelationship.enrolment_id.not_in(recent),
            )
        )
        or 0
    )


def minutes_between(session: Session, enrolment_ids: Select, start: date, end: date) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(PracticeSession.minutes), 0)).where(
                PracticeSession.enrolment_id.in_(enrolment_ids),
                PracticeSession.held_on >= start,
                PracticeSession.held_on < end,
            )
        )
        or 0
    )


@dataclass
class CohortWeeks:
    cohort: Cohort
    counts: list[int]  # flags overdue at the end of each week, oldest week first


def weekly_overdue_by_cohort(
    session: Session, organisation: Organisation, today: date, weeks: int = 4
) -> tuple[list[date], list[CohortWeeks]]:
    """For each of the organisation's cohorts, how many flags stood overdue at the end of each
    of the last `weeks` weeks (the last ending today): one query for the flags."""
    ends = [today - timedelta(days=7 * n) for n in reversed(range(weeks))]
    cohorts = list(
        session.scalars(
            select(Cohort).where(Cohort.organisation_id == organisation.id).order_by(Cohort.name)
        )
    )
    rows = session.execute(
        select(Enrolment.cohort_id, PracticeFlag.follow_up_on, PracticeFlag.followed_up_on)
        .join(Enrolment, Enrolment.id == PracticeFlag.enrolment_id)
        .where(
            PracticeFlag.organisation_id == organisation.id,
            PracticeFlag.follow_up_on < today,
            or_(PracticeFlag.followed_up_on.is_(None), PracticeFlag.followed_up_on > ends[0]),
        )
    ).all()
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0] * weeks)
    for cohort_id, due, done in rows:
        for index, end in enumerate(ends):
            if due < end and (done is None or done > end):
                counts[cohort_id][index] += 1
    return ends, [CohortWeeks(c, counts[c.id] if c.id in counts else [0] * weeks) for c in cohorts]


def journal_of(session: Session, author: User) -> list[JournalEntry]:
    return list(
        session.scalars(
            select(JournalEntry)
            .where(JournalEntry.author_id == author.id)
            .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())
        )
    )


def journal_entry(session: Session, author: User, entry_id: int) -> JournalEntry:
    """Her own entry; anyone else's is missing, whoever asks."""
    entry = session.scalar(
        select(JournalEntry).where(JournalEntry.id == entry_id, JournalEntry.author_id == author.id)
    )
    if entry is None:
        raise NotFound()
    return entry


def prompts_for(session: Session, enrolment: Enrolment) -> list[dict]:
    return [free_writing(), gibbs(), *requirement_for(session, enrolment.course_id).prompts]


def own_enrolments(session: Session, user: User) -> list[Enrolment]:
    return list(
        session.scalars(
            select(Enrolment)
            .options(joinedload(Enrolment.course), joinedload(Enrolment.organisation))
            .where(Enrolment.user_id == user.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .order_by(Enrolment.enrolled_at, Enrolment.id)
        )
    )


def month_start(today: date) -> date:
    return today.replace(day=1)


def next_month(today: date) -> date:
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)
