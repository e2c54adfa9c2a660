"""Each partner's figures for the franchise and partner overviews, worked out once and kept
until a row they are made from changes.

A partner's figures (trainees by the status readers show, open cohorts, time to award,
achievements by month, seats taken, its licences and the capabilities' partner metrics) come
from a few grouped queries over every partner asked for at once (`work_out`). They are kept
per process under the organisation's `FiguresStamp`, a random number that the session writes
afresh in the same transaction as any change to a row the figures are made from (`SOURCES`,
and the `sources` of each `PartnerMetric`): whoever changes an enrolment, a cohort, a licence,
an invitation, a revocation, a submission, a decision or a sample, through whatever domain
function or directly on the model, changes the stamp with it, so a reader either sees the old
rows and the old stamp or the new rows and the new stamp, and a page never shows figures older
than the rows it could read. Bulk statements through the session count too (their
organisations are read from the statement's WHERE, or every stamp is changed).

What moves with the clock alone is kept as facts and read at each view: invitations hold a seat
until they expire (their expiry times are kept), a licence warns from its dates and `today`,
and a metric's text is written from its facts at the moment it is shown, in the reader's
language.
"""

from __future__ import annotations

import secrets
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from lms import capabilities
from lms.accounts.models import Organisation
from lms.accreditation import award_status
from lms.accreditation.models import QualificationAward, Revocation
from lms.curriculum.models import Cohort, CohortStatus, Course, Enrolment, EnrolmentStatus
from lms.franchise.models import (
    EnrolmentInvitation,
    FiguresStamp,
    InvitationStatus,
    Licence,
    LicenceStatus,
    LicenceUnit,
)

CHANGED = "figures_changed"  # session.info: ids of organisations whose figures changed
EVERYONE = "figures_changed_everyone"  # session.info: a change whose organisations are unknown


# --- what the figures are made from -----------------------------------------------------------


def _own(session: Session, row) -> Iterable[int | None]:
    return (row.organisation_id,)


def _of_licence(session: Session, row) -> Iterable[int | None]:
    return (
        session.connection().scalar(
            select(Licence.organisation_id).where(Licence.id == row.licence_id)
        ),
    )


def _of_award(session: Session, row) -> Iterable[int | None]:
    return (
        session.connection().scalar(
            select(QualificationAward.organisation_id).where(QualificationAward.id == row.award_id)
        ),
    )


@dataclass(frozen=True)
class Source:
    """Rows figures are made from: a row of `model` added or removed, or a change to one of
    its `columns`, changes the figures of the organisations `organisations(session, row)`
    names (every organisation's when `everyone`)."""

    model: type
    columns: tuple[str, ...]
    organisations: Callable[[Session, Any], Iterable[int | None]] = _own
    everyone: bool = False


SOURCES = (
    Source(Enrolment, ("organisation_id", "course_id", "status", "enrolled_at", "achieved_at")),
    Source(Cohort, ("organisation_id", "status")),
    Source(
        Licence,
        ("organisation_id", "course_id", "seats", "starts_on", "expires_on", "status"),
    ),
    Source(LicenceUnit, ("licence_id", "unit_code"), organisations=_of_licence),
    Source(EnrolmentInvitation, ("organisation_id", "course_id", "status", "expires_at")),
    Source(Revocation, ("award_id",), organisations=_of_award),
    # a licence's warnings name its qualification
    Source(Course, ("title",), everyone=True),
    # an organisation's stamp is made with it
    Source(Organisation, (), organisations=lambda session, row: (row.id,)),
)

MetricFacts = Any  # what a metric keeps per organisation; its `show` writes it out


@dataclass(frozen=True)
class PartnerMetric:
    """A capability's figure in the overviews. `load(session, organisation_ids)` gives
    {organisation id: facts} in a fixed number of queries; `show(facts, now)` writes them in
    the reader's language (organisations `load` leaves out are shown from None). `sources`
    are the rows the facts are made from, so that a change to one is seen at once."""

    key: str
    label: str
    load: Callable[[Session, Sequence[int]], Mapping[int, MetricFacts]]
    show: Callable[[MetricFacts, datetime], str]
    sources: tuple[Source, ...] = ()


def metrics() -> list[PartnerMetric]:
    return capabilities.contributions("partner_metrics")


_watch: tuple[Any, dict[str, list[Source]]] | None = None


def _watched() -> dict[str, list[Source]]:
    """{table name: its sources}, for the capabilities of the moment."""
    global _watch
    if _watch is None or _watch[0] is not capabilities.CAPABILITIES:
        found: dict[str, list[Source]] = {}
        for source in (*SOURCES, *(s for metric in metrics() for s in metric.sources)):
            found.setdefault(source.model.__table__.name, []).append(source)
        _watch = (capabilities.CAPABILITIES, found)
    return _watch[1]


# --- keeping the stamps -----------------------------------------------------------------------


def _note(session: Session, ids: Iterable[int | None]) -> None:
    session.info.setdefault(CHANGED, set()).update(i for i in ids if i is not None)


def _note_everyone(session: Session) -> None:
    session.info[EVERYONE] = True


@event.listens_for(Session, "after_flush")
def _note_changed_rows(session: Session, flush_context) -> None:
    watched = _watched()
    changes = (
        *((row, True) for row in session.new),
        *((row, False) for row in session.dirty),
        *((row, True) for row in session.deleted),
    )
    for row, whole in changes:  # whole: the row was added or removed
        for source in watched.get(getattr(row, "__tablename__", None), ()):
            if not (whole or _changed(row, source.columns)):
                continue
            if source.everyone:
                _note_everyone(session)
                continue
            _note(session, source.organisations(session, row))
            if "organisation_id" in source.columns:
                _note(session, inspect(row).attrs.organisation_id.history.deleted)


def _changed(row, columns: tuple[str, ...]) -> bool:
    attrs = inspect(row).attrs
    return any(attrs[name].history.has_changes() for name in columns)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    """INSERT, UPDATE and DELETE statements run through the session on a watched table."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    sources = _watched().get(getattr(table, "name", None))
    if not sources:
        return
    session = state.session
    if any(s.everyone or s.organisations is not _own for s in sources):
        _note_everyone(session)
    elif state.is_insert:
        rows = state.parameters
        rows = [rows] if isinstance(rows, Mapping) else list(rows or ())
        if rows and all("organisation_id" in row for row in rows):
            _note(session, (row["organisation_id"] for row in rows))
        else:
            _note_everyone(session)
    elif state.statement.whereclause is None:
        _note_everyone(session)
    else:
        # The rows the statement is about to change, read before it does.
        _note(
            session,
            session.scalars(
                select(table.c.organisation_id).where(state.statement.whereclause).distinct()
            ),
        )


@event.listens_for(Session, "before_commit")
def _write_stamps(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()
    everyone = session.info.pop(EVERYONE, False)
    ids = sorted(session.info.pop(CHANGED, ()))  # in one order, so writers queue, never cross
    if everyone:
        session.execute(
            update(FiguresStamp)
            .values(stamp=FiguresStamp.stamp + 1)
            .execution_options(synchronize_session=False)
        )
    if ids:
        session.execute(_upsert(session, [(i, secrets.randbits(62)) for i in ids]))


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction is over: committed or rolled back
        session.info.pop(CHANGED, None)
        session.info.pop(EVERYONE, None)


def _upsert(session: Session, rows: list[tuple[int, int]]):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(FiguresStamp).values(
        [{"organisation_id": i, "stamp": stamp} for i, stamp in rows]
    )
    return statement.on_conflict_do_update(
        index_elements=[FiguresStamp.organisation_id], set_={"stamp": statement.excluded.stamp}
    )


# --- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceTerms:
    """What the overviews show of a licence."""

    id: int
    organisation_id: int
    course_id: int
    course_title: str
    seats: int
    starts_on: date
    expires_on: date
    status: LicenceStatus
    unit_codes: tuple[str, ...] = ()  # in order


@dataclass(frozen=True)
class PartnerFigures:
    """One organisation's figures. Shared between requests: never changed once made."""

    active_cohorts: int = 0
    # Trainees by the status readers show: an achieved trainee whose award was revoked is
    # counted as "revoked", never as achieved (lms.accreditation.award_status).
    by_status: Mapping[str, int] = field(
        default_factory=lambda: dict.fromkeys(award_status.STATUS_VALUES, 0)
    )
    # Days from enrolment to each award that stands, and their median.
    days_to_award: tuple[float, ...] = ()
    median_days_to_award: float | None = None
    # Awards that stand, by (year, month) they were made.
    achieved_by_month: Mapping[tuple[int, int], int] = field(default_factory=dict)
    # {course id: enrolments not withdrawn}, and {course id: when each pending invitation
    # expires}: together, the seats taken at any moment.
    enrolled: Mapping[int, int] = field(default_factory=dict)
    invitations_expire: Mapping[int, tuple[datetime, ...]] = field(default_factory=dict)
    licences: tuple[LicenceTerms, ...] = ()
    metrics: Mapping[str, MetricFacts] = field(default_factory=dict)

    def seats_used(self, course_id: int, now: datetime) -> int:
        waiting = self.invitations_expire.get(course_id, ())
        return self.enrolled.get(course_id, 0) + sum(1 for moment in waiting if moment > now)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def work_out(session: Session, organisation_ids: Sequence[int]) -> dict[int, PartnerFigures]:
    """Every organisation's figures, from the rows as they stand: a fixed number of grouped
    queries whatever the number of organisations or trainees."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    parts: dict[int, dict[str, Any]] = {
        i: {
            "active_cohorts": 0,
            "by_status": dict.fromkeys(award_status.STATUS_VALUES, 0),
            "days": [],
            "achieved_by_month": {},
            "enrolled": {},
            "invitations_expire": {},
            "licences": [],
            "metrics": {},
        }
        for i in ids
    }
    parts_in_order = (_cohorts, _trainees, _awards, _invitations, _licences, _licence_units)
    for part in (*parts_in_order, _metrics):
        part(session, ids, parts)
    found = {}
    for organisation_id, part in parts.items():
        days = tuple(sorted(part.pop("days")))
        found[organisation_id] = PartnerFigures(
            days_to_award=days,
            median_days_to_award=statistics.median(days) if days else None,
            licences=tuple(part.pop("licences")),
            **part,
        )
    return found


Parts = dict[int, dict[str, Any]]


def _cohorts(session: Session, ids: list[int], parts: Parts) -> None:
    for organisation_id, count in session.execute(
        select(Cohort.organisation_id, func.count())
        .where(Cohort.organisation_id.in_(ids), Cohort.status == CohortStatus.OPEN)
        .group_by(Cohort.organisation_id)
    ):
        parts[organisation_id]["active_cohorts"] = count


def _trainees(session: Session, ids: list[int], parts: Parts) -> None:
    """Trainees by status and course (counted from an index alone), the achieved whose award
    was revoked moved to "revoked"."""
    for organisation_id, status, course_id, count in session.execute(
        select(Enrolment.organisation_id, Enrolment.status, Enrolment.course_id, func.count())
        .where(Enrolment.organisation_id.in_(ids))
        .group_by(Enrolment.organisation_id, Enrolment.status, Enrolment.course_id)
    ):
        part = parts[organisation_id]
        part["by_status"][EnrolmentStatus(status).value] += count
        if status != EnrolmentStatus.WITHDRAWN:
            part["enrolled"][course_id] = part["enrolled"].get(course_id, 0) + count
    for organisation_id, count in session.execute(
        select(Enrolment.organisation_id, func.count())
        .where(Enrolment.organisation_id.in_(ids), award_status.achieved_but_revoked())
        .group_by(Enrolment.organisation_id)
    ):
        by_status = parts[organisation_id]["by_status"]
        by_status[EnrolmentStatus.ACHIEVED.value] -= count
        by_status[award_status.REVOKED] += count


def _awards(session: Session, ids: list[int], parts: Parts) -> None:
    """Time to award and awards by month, of the awards that stand."""
    for organisation_id, enrolled_at, achieved_at in session.execute(
        select(Enrolment.organisation_id, Enrolment.enrolled_at, Enrolment.achieved_at).where(
            Enrolment.organisation_id.in_(ids),
            award_status.holds_award(),
            Enrolment.achieved_at.is_not(None),
        )
    ):
        part = parts[organisation_id]
        part["days"].append(max((achieved_at - enrolled_at).total_seconds() / 86400, 0))
        month = (achieved_at.year, achieved_at.month)
        part["achieved_by_month"][month] = part["achieved_by_month"].get(month, 0) + 1


def _invitations(session: Session, ids: list[int], parts: Parts) -> None:
    for organisation_id, course_id, expires_at in session.execute(
        select(
            EnrolmentInvitation.organisation_id,
            EnrolmentInvitation.course_id,
            EnrolmentInvitation.expires_at,
        ).where(
            EnrolmentInvitation.organisation_id.in_(ids),
            EnrolmentInvitation.status == InvitationStatus.PENDING,
        )
    ):
        waiting = parts[organisation_id]["invitations_expire"]
        waiting[course_id] = (*waiting.get(course_id, ()), _aware(expires_at))


def _licences(session: Session, ids: list[int], parts: Parts) -> None:
    for row in session.execute(
        select(
            Licence.id,
            Licence.organisation_id,
            Licence.course_id,
            Course.title,
            Licence.seats,
            Licence.starts_on,
            Licence.expires_on,
            Licence.status,
        )
        .join(Course, Course.id == Licence.course_id)
        .where(Licence.organisation_id.in_(ids))
        .order_by(Licence.organisation_id, Licence.expires_on, Licence.id)
    ):
        parts[row.organisation_id]["licences"].append(LicenceTerms(*row))


def _licence_units(session: Session, ids: list[int], parts: Parts) -> None:
    units: dict[int, list[str]] = {}
    for licence_id, code in session.execute(
        select(LicenceUnit.licence_id, LicenceUnit.unit_code)
        .join(Licence, Licence.id == LicenceUnit.licence_id)
        .where(Licence.organisation_id.in_(ids))
        .order_by(LicenceUnit.licence_id, LicenceUnit.unit_code)
    ):
        units.setdefault(licence_id, []).append(code)
    for part in parts.values():
        part["licences"] = [
            replace(terms, unit_codes=tuple(units.get(terms.id, ()))) for terms in part["licences"]
        ]


def _metrics(session: Session, ids: list[int], parts: Parts) -> None:
    for metric in metrics():
        for organisation_id, facts in metric.load(session, ids).items():
            parts[organisation_id]["metrics"][metric.key] = facts


# --- reading them -----------------------------------------------------------------------------

# {organisation id: (stamp, figures)}: this process's copy, as many entries as organisations.
_kept: dict[int, tuple[int, PartnerFigures]] = {}


def figures_for(
    session: Session,
    organisation_ids: Sequence[int],
    *,
    stamps: Mapping[int, int | None] | None = None,
) -> dict[int, PartnerFigures]:
    """Each organisation's figures as of the rows this session reads: those kept under the
    organisation's current stamp, the others worked out now (and kept, unless the session has
    changes of its own not yet committed, which nobody else sees). `stamps` are the
    organisations' stamps where the caller has just read them (with the organisations)."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    if stamps is None:
        stamps = dict(
            session.execute(
                select(FiguresStamp.organisation_id, FiguresStamp.stamp).where(
                    FiguresStamp.organisation_id.in_(ids)
                )
            ).all()
        )
    # The stamps are read first (after any autoflush): figures worked out after them are at
    # least as new as they say.
    own = set() if not session.info.get(EVERYONE) else set(ids)
    own |= session.info.get(CHANGED, set())
    found, stale = {}, []
    for organisation_id in ids:
        kept = _kept.get(organisation_id)
        stamp = stamps.get(organisation_id)
        if (
            kept is not None
            and stamp is not None
            and kept[0] == stamp
            and organisation_id not in own
        ):
            found[organisation_id] = kept[1]
        else:
            stale.append(organisation_id)
    for organisation_id, figures in work_out(session, stale).items():
        found[organisation_id] = figures
        stamp = stamps.get(organisation_id)
        if stamp is not None and organisation_id not in own:
            _kept[organisation_id] = (stamp, figures)
    return found


def forget_kept() -> None:
    """Drop this process's figures (tests that compare a fresh working-out)."""
    _kept.clear()
