"""Who is told what about practice: a trainee that her supervision's notes are there; the
coordinators of an organisation, once each, of a flag not followed up by its date, and once a
week of what waits on them (`notice_sweep`, run daily by the digest command)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.franchise.today import quiet_trainees, waiting_longest
from lms.notifications.audiences import people_with_role
from lms.notifications.delivery import link
from lms.notifications.operations import notify
from lms.practice.models import PracticeFlag, SupervisionSession


def supervision_recorded(
    session: Session, supervision: SupervisionSession, enrolments: list[Enrolment]
) -> None:
    for enrolment in enrolments:
        notify(
            session,
            session.get(User, enrolment.user_id),
            "practice.feedback",
            url=link("practice.enrolment", enrolment_id=enrolment.id),
            held_on=supervision.held_on.isoformat(),
        )


def flags_not_followed_up(session: Session, today: date) -> int:
    """Each open flag whose follow-up date has passed: its organisation's coordinators are
    told, once per flag."""
    flags = session.scalars(
        select(PracticeFlag)
        .where(PracticeFlag.followed_up_on.is_(None), PracticeFlag.follow_up_on < today)
        .order_by(PracticeFlag.id)
    ).all()
    told = 0
    for flag in flags:
        url = link("practice.follow_up", enrolment_id=flag.enrolment_id, flag_id=flag.id)
        for coordinator in people_with_role(session, flag.organisation_id, Role.COORDINATOR):
            told += (
                notify(
                    session,
                    coordinator,
                    "flag.not_followed_up",
                    url=url,
                    about=f"flag:{flag.id}",
                    follow_up_on=flag.follow_up_on.isoformat(),
                )
                is not None
            )
    return told


def weekly_summary(session: Session, today: date) -> int:
    """Once each ISO week, each coordinator has one notification per organisation she
    coordinates: units waiting for an assessor, open flags, trainees gone quiet."""
    year, week, _ = today.isocalendar()
    now = utcnow()
    told = 0
    for organisation in session.scalars(select(Organisation).order_by(Organisation.id)):
        coordinators = people_with_role(session, organisation.id, Role.COORDINATOR)
        if not coordinators:
            continue
        waiting = waiting_longest(session, organisation, now)[0]
        quiet = quiet_trainees(session, organisation, now)[0]
        flags = session.scalar(
            select(func.count(PracticeFlag.id)).where(
                PracticeFlag.organisation_id == organisation.id,
                PracticeFlag.followed_up_on.is_(None),
            )
        )
        for coordinator in coordinators:
            told += (
                notify(
                    session,
                    coordinator,
                    "coordinator.weekly",
                    url=link("core.home"),
                    about=f"week:{year}-W{week:02d}:{organisation.id}",
                    organisation=organisation.name,
                    waiting=waiting,
                    flags=flags,
                    quiet=quiet,
                )
                is not None
            )
    return told
