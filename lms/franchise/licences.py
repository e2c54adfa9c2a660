"""Licences: issuing and changing them, counting seats, warning ahead of limits, and the check
every enrolment passes. Functions flush; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Select, bindparam, func, select, union_all, update
from sqlalchemy.orm import Session, raiseload, selectinload

from lms.accounts.models import Organisation
from lms.audit.operations import record
from lms.curriculum.models import (
    Course,
    CourseKind,
    CourseUnit,
    Enrolment,
    EnrolmentStatus,
    Unit,
)
from lms.db import utcnow
from lms.errors import DomainError, NotFound
from lms.franchise.models import (
    EnrolmentInvitation,
    InvitationStatus,
    Licence,
    LicenceStatus,
    LicenceUnit,
)
from lms.i18n import _, format_date, ngettext

if TYPE_CHECKING:
    from lms.franchise.figures import LicenceTerms

SEAT_WARNING_SHARE = 0.9  # warn once 90% of the seats are taken,
SEAT_WARNING_LEFT = 1  # or when only one is left (on a small licence that comes sooner)
EXPIRY_WARNING_DAYS = 30  # and from 30 days before the licence ends


def needs_licence(organisation: Organisation, course: Course) -> bool:
    """Partners need a licence for a qualification; short courses and the franchisor's own
    delivery do not."""
    return not organisation.is_franchisor and course.is_qualification


def effective_status(licence: Licence, today: date) -> LicenceStatus:
    if licence.status == LicenceStatus.SUSPENDED:
        return LicenceStatus.SUSPENDED
    if licence.status == LicenceStatus.EXPIRED or today > licence.expires_on:
        return LicenceStatus.EXPIRED
    return LicenceStatus.ACTIVE


def _long(day: date) -> str:
    return format_date(day)


@dataclass(frozen=True)
class LicenceUsage:
    """A licence with the seats its partner has used, as of `today`. `licence` is the row, or
    the terms the overviews keep (`lms.franchise.figures.LicenceTerms`)."""

    licence: Licence | LicenceTerms
    seats_used: int
    today: date

    @property
    def seats_left(self) -> int:
        return max(self.licence.seats - self.seats_used, 0)

    @property
    def status(self) -> LicenceStatus:
        return effective_status(self.licence, self.today)

    @property
    def share_used(self) -> float:
        return self.seats_used / self.licence.seats if self.licence.seats else 1.0

    @property
    def days_left(self) -> int:
        return (self.licence.expires_on - self.today).days

    def refusal(self) -> str | None:
        """Why nobody can be enrolled under this licence now, if that is so."""
        licence, title = self.licence, self.licence.course_title
        if self.status == LicenceStatus.SUSPENDED:
            return _(
                "The licence for %(course)s is suspended, so nobody can be enrolled on it.",
                course=title,
            )
        if self.status == LicenceStatus.EXPIRED:
            return _(
                "The licence for %(course)s ended on %(day)s, so nobody can be enrolled on it. "
                "Please ask the franchisor about renewing it.",
                course=title,
                day=_long(licence.expires_on),
            )
        if self.today < licence.starts_on:
            return _(
                "The licence for %(course)s starts on %(day)s.",
                course=title,
                day=_long(licence.starts_on),
            )
        return None

    def warnings(self) -> list[str]:
        """What a coordinator should know before she reaches a limit."""
        if (refusal := self.refusal()) is not None:
            return [refusal]
        title = self.licence.course_title
        found = []
        if self.seats_left == 0:
            found.append(
                ngettext(
                    "All %(num)d seat on the licence for %(course)s is taken: "
                    "nobody else can be enrolled until the franchisor adds seats.",
                    "All %(num)d seats on the licence for %(course)s are taken: "
                    "nobody else can be enrolled until the franchisor adds seats.",
                    self.licence.seats,
                    course=title,
                )
            )
        elif self.share_used >= SEAT_WARNING_SHARE or self.seats_left <= SEAT_WARNING_LEFT:
            found.append(
                ngettext(
                    "%(used)d of %(num)d seat on the licence for %(course)s is taken: "
                    "%(left)d left.",
                    "%(used)d of %(num)d seats on the licence for %(course)s are taken: "
                    "%(left)d left.",
                    self.licence.seats,
                    used=self.seats_used,
                    course=title,
                    left=self.seats_left,
                )
            )
        if self.days_left <= EXPIRY_WARNING_DAYS:
            found.append(self._ending_warning(title))
        return found

    def _ending_warning(self, title: str) -> str:
        day = _long(self.licence.expires_on)
        if self.days_left == 0:
            return _("The licence for %(course)s ends on %(day)s (today).", course=title, day=day)
        return ngettext(
            "The licence for %(course)s ends on %(day)s (in %(num)d day).",
            "The licence for %(course)s ends on %(day)s (in %(num)d days).",
            self.days_left,
            course=title,
            day=day,
        )


# --- reading ----------------------------------------------------------------------------------


def seats_used(session: Session, organisation_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Seats taken per (organisation, course): enrolments not withdrawn, and invitations
    waiting for an answer that have not expired. One query."""
    ids = list(organisation_ids)
    # Each side is counted on its own (the enrolments' from an index alone), then summed.
    taken = union_all(
        select(Enrolment.organisation_id, Enrolment.course_id, func.count().label("n"))
        .where(Enrolment.organisation_id.in_(ids), Enrolment.status != EnrolmentStatus.WITHDRAWN)
        # in the index's order, so no sorting is needed
        .group_by(Enrolment.organisation_id, Enrolment.status, Enrolment.course_id),
        select(EnrolmentInvitation.organisation_id, EnrolmentInvitation.course_id, func.count())
        .where(
            EnrolmentInvitation.organisation_id.in_(ids),
            EnrolmentInvitation.status == InvitationStatus.PENDING,
            EnrolmentInvitation.expires_at > utcnow(),
        )
        .group_by(EnrolmentInvitation.organisation_id, EnrolmentInvitation.course_id),
    ).subquery()
    rows = session.execute(
        select(taken.c.organisation_id, taken.c.course_id, func.sum(taken.c.n)).group_by(
            taken.c.organisation_id, taken.c.course_id
        )
    )
    return {(org, course): int(count) for org, course, count in rows}


def usages_for(
    session: Session, organisation_ids: Sequence[int], today: date, *, with_units: bool = True
) -> list[LicenceUsage]:
    """Every licence of these organisations with its usage, in two queries (plus eager loads;
    the units each licence covers only `with_units`: a franchise's worth is hundreds of rows
    that its overview does not show)."""
    if not organisation_ids:
        return []
    options = [
        selectinload(Licence.course),
        selectinload(Licence.units) if with_units else raiseload(Licence.units),
    ]
    licences = session.scalars(
        select(Licence)
        .where(Licence.organisation_id.in_(organisation_ids))
        .options(*options)
        .order_by(Licence.organisation_id, Licence.expires_on)
    ).all()
    used = seats_used(session, organisation_ids)
    return [
        LicenceUsage(licence, used.get((licence.organisation_id, licence.course_id), 0), today)
        for licence in licences
    ]


def usage_for_course(
    session: Session, organisation: Organisation, course: Course, today: date
) -> LicenceUsage | None:
    """The usage of the licence the organisation delivers `course` under; None when the course
    needs no licence there, or when the organisation holds none for it."""
    if not needs_licence(organisation, course):
        return None
    return next(
        (
            u
            for u in usages_for(session, [organisation.id], today)
            if u.licence.course_id == course.id
        ),
        None,
    )


def unlicensed_qualifications(
    session: Session, organisation: Organisation, today: date
) -> list[Course]:
    """Qualifications the organisation holds no licence for yet, by title."""
    held = {u.licence.course_id for u in usages_for(session, [organisation.id], today)}
    courses = session.scalars(
        select(Course).where(Course.kind == CourseKind.QUALIFICATION).order_by(Course.title)
    )
    return [course for course in courses if course.id not in held]


def licence_for(session: Session, organisation: Organisation, course: Course) -> Licence | None:
    return session.scalar(
        select(Licence)
        .where(Licence.organisation_id == organisation.id, Licence.course_id == course.id)
        .options(selectinload(Licence.course), selectinload(Licence.units))
    )


def licence_of_partner(session: Session, partner: Organisation, licence_id: int) -> Licence:
    licence = session.scalar(
        select(Licence)
        .where(Licence.id == licence_id, Licence.organisation_id == partner.id)
        .options(selectinload(Licence.course), selectinload(Licence.units))
    )
    if licence is None:
        raise NotFound()
    return licence


def course_unit_codes(session: Session, course: Course) -> list[tuple[str, str]]:
    """(code, title) of the course's units, in course order."""
    rows = session.execute(
        select(Unit.code, Unit.title)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == course.id)
        .order_by(CourseUnit.position)
    )
    return [(code, title) for code, title in rows]


def licence_covers_unit(
    session: Session, organisation: Organisation, course: Course, unit_code: str, today: date
) -> bool:
    """Whether the organisation may deliver the unit (by code) of the course on `today`.
    What needs no licence (a short course, the franchisor's own delivery) always may; a
    partner's qualification needs a licence in force that day that lists the unit, and
    without a licence nothing is covered."""
    if not needs_licence(organisation, course):
        return True
    found = session.scalar(
        _covering_licence_statement(),
        {
            "organisation_id": organisation.id,
            "course_id": course.id,
            "today": today,
            "unit_code": unit_code,
        },
    )
    return found is not None


@cache
def _covering_licence_statement() -> Select:
    # Built once and bound at each use: asked on every unit and lesson page of a partner's
    # qualification.
    today = bindparam("today")
    return (
        select(LicenceUnit.id)
        .join(Licence, Licence.id == LicenceUnit.licence_id)
        .where(
            Licence.organisation_id == bindparam("organisation_id"),
            Licence.course_id == bindparam("course_id"),
            Licence.status == LicenceStatus.ACTIVE,
            Licence.starts_on <= today,
            Licence.expires_on >= today,
            LicenceUnit.unit_code == bindparam("unit_code"),
        )
        .limit(1)
    )


def unit_offered_by_licence(
    session: Session, enrolment: Enrolment, unit: Unit, today: date
) -> bool:
    """The answer to the `unit_offered` hook: the trainee's organisation's licence covers it."""
    organisation = session.get(Organisation, enrolment.organisation_id)
    course = session.get(Course, enrolment.course_id)
    return licence_covers_unit(session, organisation, course, unit.code, today)


# --- the check every enrolment passes ------------------------------------------------------------


def lock_licence(session: Session, organisation_id: int, course_id: int) -> None:
    """Hold the licence until the caller's transaction ends, so that seats counted after this
    stay counted: a second enrolment at the same moment waits here until the first has
    committed, then counts the first one's seat.

    The lock is taken by writing the row (its values unchanged), not with SELECT ... FOR
    UPDATE, because SQLite (the default database) ignores FOR UPDATE: its reads take no lock,
    so two transactions could each count one seat left and both take it. A write takes
    SQLite's database write lock at once (the transaction begins with it; a second writer
    waits, up to the busy timeout, and then starts from what the first committed) and
    PostgreSQL's row lock (a second writer waits for the first to commit). This is
    `BEGIN IMMEDIATE` for just the transactions that take seats, on both databases, and it
    works whatever the transaction has done before. A stored seats-used counter with a
    conditional UPDATE would do as well, but every change of an enrolment's status (some of
    them made by the curriculum, which knows nothing of licences) would have to keep it
    right; counting the enrolments under the lock cannot drift."""
    session.execute(
        update(Licence)
        .where(Licence.organisation_id == organisation_id, Licence.course_id == course_id)
        .values(seats=Licence.seats, updated_at=Licence.updated_at)
        .execution_options(synchronize_session=False)
    )


def check_can_enrol(
    session: Session, organisation: Organisation, course: Course, today: date, *, extra: int = 1
) -> None:
    """Refuse, with the reason, an enrolment of `extra` more trainees that the partner's
    licence does not allow. Locks the licence (`lock_licence`) first, so that two enrolments
    at once cannot both take the last seat: the caller must make its enrolment in the same
    transaction."""
    if not needs_licence(organisation, course):
        return
    lock_licence(session, organisation.id, course.id)
    licence = session.scalar(
        select(Licence)
        .where(Licence.organisation_id == organisation.id, Licence.course_id == course.id)
        .options(selectinload(Licence.course))
    )
    if licence is None:
        raise DomainError(
            _(
                "%(organisation)s has no licence to deliver %(course)s. "
                "The franchisor can add one.",
                organisation=organisation.name,
                course=course.title,
            ),
            field="cohort",
        )
    used = seats_used(session, [organisation.id]).get((organisation.id, course.id), 0)
    usage = LicenceUsage(licence, used, today)
    if (refusal := usage.refusal()) is not None:
        raise DomainError(refusal, field="cohort")
    if used + extra > licence.seats:
        raise DomainError(
            ngettext(
                "There are not enough seats: the licence for %(course)s has "
                "%(left)d of %(num)d seat left. The franchisor can add seats.",
                "There are not enough seats: the licence for %(course)s has "
                "%(left)d of %(num)d seats left. The franchisor can add seats.",
                licence.seats,
                course=course.title,
                left=usage.seats_left,
            ),
            field="cohort",
        )


# --- changing ---------------------------------------------------------------------------------


def _check_fields(
    session: Session, course: Course, seats: int, starts_on: date, expires_on: date, units
) -> set[str]:
    if seats < 0:
        raise DomainError(_("The number of seats cannot be below zero."), field="seats")
    if expires_on < starts_on:
        raise DomainError(
            _("The licence must end on or after the day it starts."), field="expires_on"
        )
    known = {code for code, _title in course_unit_codes(session, course)}
    chosen = set(units)
    if not chosen:
        raise DomainError(_("Choose at least one unit the partner may deliver."), field="units")
    if unknown := chosen - known:
        raise DomainError(
            ngettext(
                "%(units)s is not part of %(course)s.",
                "%(units)s are not part of %(course)s.",
                len(unknown),
                units=", ".join(sorted(unknown)),
                course=course.title,
            ),
            field="units",
        )
    return chosen


def _check_seats_in_use(session: Session, licence: Licence, seats: int) -> None:
    lock_licence(session, licence.organisation_id, licence.course_id)
    used = seats_used(session, [licence.organisation_id]).get(
        (licence.organisation_id, licence.course_id), 0
    )
    if seats < used:
        raise DomainError(
            ngettext(
                "%(num)d seat is in use on this licence (trainees enrolled, and invitations "
                "waiting for an answer), so it needs at least %(num)d. Withdrawing a trainee "
                "or an invitation frees a seat.",
                "%(num)d seats are in use on this licence (trainees enrolled, and invitations "
                "waiting for an answer), so it needs at least %(num)d. Withdrawing a trainee "
                "or an invitation frees a seat.",
                used,
            ),
            field="seats",
        )


def issue_licence(
    session: Session,
    partner: Organisation,
    course: Course,
    *,
    seats: int,
    starts_on: date,
    expires_on: date,
    units: Iterable[str],
    notes: str = "",
) -> Licence:
    if partner.is_franchisor:
        raise DomainError(_("Licences are for partner organisations."), field="organisation")
    if not course.is_qualification:
        raise DomainError(
            _("Short courses need no licence: partners may run them freely."), field="course"
        )
    codes = _check_fields(session, course, seats, starts_on, expires_on, units)
    if licence_for(session, partner, course) is not None:
        raise DomainError(
            _(
                "%(organisation)s already has a licence for %(course)s: change that one instead.",
                organisation=partner.name,
                course=course.title,
            ),
            field="course",
        )
    licence = Licence(
        organisation_id=partner.id,
        course_id=course.id,
        seats=seats,
        starts_on=starts_on,
        expires_on=expires_on,
        status=LicenceStatus.ACTIVE,
        notes=notes.strip(),
        units=[LicenceUnit(unit_code=code) for code in sorted(codes)],
    )
    session.add(licence)
    session.flush()
    record(
        session,
        "licence.issued",
        obj=licence,
        organisation_id=partner.id,
        course=course.code,
        seats=seats,
        starts_on=starts_on.isoformat(),
        expires_on=expires_on.isoformat(),
    )
    return licence


def change_licence(
    session: Session,
    licence: Licence,
    *,
    seats: int,
    starts_on: date,
    expires_on: date,
    units: Iterable[str],
    status: LicenceStatus,
    notes: str = "",
) -> Licence:
    codes = _check_fields(session, licence.course, seats, starts_on, expires_on, units)
    _check_seats_in_use(session, licence, seats)
    before = {
        "seats": licence.seats,
        "starts_on": licence.starts_on.isoformat(),
        "expires_on": licence.expires_on.isoformat(),
        "status": licence.status.value,
        "units": sorted(licence.unit_codes),
    }
    licence.seats = seats
    licence.starts_on = starts_on
    licence.expires_on = expires_on
    licence.status = LicenceStatus(status)
    licence.notes = notes.strip()
    kept = [unit for unit in licence.units if unit.unit_code in codes]
    added = [LicenceUnit(unit_code=code) for code in sorted(codes - licence.unit_codes)]
    licence.units = kept + added
    session.flush()
    after = {
        "seats": seats,
        "starts_on": starts_on.isoformat(),
        "expires_on": expires_on.isoformat(),
        "status": licence.status.value,
        "units": sorted(codes),
    }
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    record(
        session, "licence.changed", obj=licence, organisation_id=licence.organisation_id, **changed
    )
    return licence
