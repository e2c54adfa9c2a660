"""Practice figures for the impact report (the `impact_figures` hook): each says how many
distinct trainees it is drawn from, so the report can hold back figures from too few people."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.curriculum.models import Enrolment
from lms.i18n import gettext
from lms.practice.models import PracticeFlag, PracticeSession, SupervisionAttendee
from lms.reporting.figures import ImpactFigure


def _enrolments(learner_ids: list[int]):
    return select(Enrolment.id).where(Enrolment.user_id.in_(learner_ids))


def impact_figures(session: Session, learner_ids: list[int]) -> list[ImpactFigure]:
    """Practice hours delivered, mentoring sessions, supervision sessions attended, flags
    raised and flags followed up, for the trainees `learner_ids`."""
    return impact_figures_by_group(session, {None: list(learner_ids)})[None]


def impact_figures_by_group(
    session: Session, groups: Mapping[Hashable, Sequence[int]]
) -> dict[Hashable, list[ImpactFigure]]:
    """`impact_figures` for each group of trainees (the `impact_figures` hook): three queries
    over everyone in the groups, however many groups there are, then summed per group."""
    everyone = sorted({user_id for ids in groups.values() for user_id in ids})
    enrolments = _enrolments(everyone)
    practice = {
        user_id: (int(minutes), int(count))
        for user_id, minutes, count in session.execute(
            select(
                Enrolment.user_id,
                func.coalesce(func.sum(PracticeSession.minutes), 0),
                func.count(PracticeSession.id),
            )
            .join(Enrolment, Enrolment.id == PracticeSession.enrolment_id)
            .where(PracticeSession.enrolment_id.in_(enrolments))
            .group_by(Enrolment.user_id)
        )
    }
    supervisions: dict[int, set[int]] = defaultdict(set)
    for user_id, supervision_id in session.execute(
        select(Enrolment.user_id, SupervisionAttendee.supervision_id)
        .join(Enrolment, Enrolment.id == SupervisionAttendee.enrolment_id)
        .where(SupervisionAttendee.enrolment_id.in_(enrolments))
        .distinct()
    ):
        supervisions[user_id].add(supervision_id)
    flags = {
        user_id: (int(raised), int(followed))
        for user_id, raised, followed in session.execute(
            select(
                Enrolment.user_id,
                func.count(PracticeFlag.id),
                func.count(PracticeFlag.followed_up_on),
            )
            .join(Enrolment, Enrolment.id == PracticeFlag.enrolment_id)
            .where(PracticeFlag.enrolment_id.in_(enrolments))
            .group_by(Enrolment.user_id)
        )
    }
    return {
        group: _figures(set(ids), practice, supervisions, flags) for group, ids in groups.items()
    }


def _figures(ids: set[int], practice, supervisions, flags) -> list[ImpactFigure]:
    mentors = [practice[i] for i in ids if i in practice]
    supervised = [supervisions[i] for i in ids if supervisions.get(i)]
    flagged = [flags[i] for i in ids if i in flags]
    minutes = sum(m for m, _ in mentors)
    return [
        ImpactFigure(
            gettext("Practice hours delivered"),
            round(minutes / 60, 1),
            len(mentors),
            gettext("hours"),
        ),
        ImpactFigure(
            gettext("Mentoring sessions"),
            sum(c for _, c in mentors),
            len(mentors),
            gettext("sessions"),
        ),
        ImpactFigure(
            gettext("Supervision sessions"),
            len(set().union(*supervised)),
            len(supervised),
            gettext("sessions"),
        ),
        ImpactFigure(
            gettext("Supervision flags raised"),
            sum(r for r, _ in flagged),
            len(flagged),
            gettext("flags"),
        ),
        ImpactFigure(
            gettext("Flags followed up"),
            sum(f for _, f in flagged),
            sum(1 for _, f in flagged if f),
            gettext("flags"),
        ),
    ]
