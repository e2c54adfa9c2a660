"""Practice figures for the impact report (the `impact_figures` hook): each says how many
distinct trainees it is drawn from, so the report can hold back figures from too few people."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lms.curriculum.models import Enrolment
from lms.practice.models import PracticeFlag, PracticeSession, SupervisionAttendee
from lms.reporting.figures import ImpactFigure


def _enrolments(learner_ids: list[int]):
    return select(Enrolment.id).where(Enrolment.user_id.in_(learner_ids))


def impact_figures(session: Session, learner_ids: list[int]) -> list[ImpactFigure]:
    """Practice hours delivered, mentoring sessions, supervision sessions attended, flags
    raised and flags followed up, for the trainees `learner_ids`."""
    enrolments = _enrolments(list(learner_ids))
    minutes, sessions, mentors = session.execute(
        select(
            func.coalesce(func.sum(PracticeSession.minutes), 0),
            func.count(PracticeSession.id),
            func.count(func.distinct(Enrolment.user_id)),
        )
        .join(Enrolment, Enrolment.id == PracticeSession.enrolment_id)
        .where(PracticeSession.enrolment_id.in_(enrolments))
    ).one()
    supervisions, supervised = session.execute(
        select(
            func.count(func.distinct(SupervisionAttendee.supervision_id)),
            func.count(func.distinct(Enrolment.user_id)),
        )
        .join(Enrolment, Enrolment.id == SupervisionAttendee.enrolment_id)
        .where(SupervisionAttendee.enrolment_id.in_(enrolments))
    ).one()
    raised, followed, flagged, followed_people = session.execute(
        select(
            func.count(PracticeFlag.id),
            func.count(PracticeFlag.followed_up_on),
            func.count(func.distinct(Enrolment.user_id)),
            func.count(
                func.distinct(case((PracticeFlag.followed_up_on.is_not(None), Enrolment.user_id)))
            ),
        )
        .join(Enrolment, Enrolment.id == PracticeFlag.enrolment_id)
        .where(PracticeFlag.enrolment_id.in_(enrolments))
    ).one()
    return [
        ImpactFigure("Practice hours delivered", round(int(minutes) / 60, 1), mentors, "hours"),
        ImpactFigure("Mentoring sessions", int(sessions), mentors, "sessions"),
        ImpactFigure("Supervision sessions", int(supervisions), supervised, "sessions"),
        ImpactFigure("Supervision flags raised", int(raised), flagged, "flags"),
        ImpactFigure("Flags followed up", int(followed), followed_people, "flags"),
    ]
