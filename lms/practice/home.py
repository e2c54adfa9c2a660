"""Practice on the home page: the trainee's own practice and journal, a supervisor's
supervisees and follow-ups due, and each coordinator's figures at a glance."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from lms.accounts.models import memberships_of
from lms.accounts.roles import Role
from lms.core.home import Link, Section, home_sections
from lms.curriculum.home import active_enrolments_on_home
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _, format_decimal, ngettext
from lms.practice import queries
from lms.practice.rules import supervised_enrolment_ids


def _trainee_section(user) -> list[Section]:
    if Role.TRAINEE not in user.roles or not active_enrolments_on_home(user):
        return []
    return [
        Section(
            _("Your practice"),
            [
                Link(
                    _("Your mentoring practice"),
                    url_for("practice.index"),
                    _("Your mentoring relationships, sessions, supervision and practice hours."),
                ),
                Link(
                    _("Your reflective journal"),
                    url_for("practice.journal"),
                    _("Private writing about your practice. Only you can read it."),
                ),
            ],
        )
    ]


def _supervisor_section(user, today) -> list[Section]:
    if not any(r in (Role.ASSESSOR, Role.IQA, Role.COORDINATOR) for r in user.roles):
        return []
    ids = supervised_enrolment_ids(user)
    if db.session.scalar(select(Enrolment.id).where(Enrolment.id.in_(ids)).limit(1)) is None:
        return []
    due = queries.overdue_flags(db.session, ids, today)
    links = [Link(_("Trainees you supervise"), url_for("practice.index"))]
    if actions := queries.overdue_actions(db.session, user, today):
        links.append(
            Link(
                ngettext(
                    "%(num)d agreed action past its date",
                    "%(num)d agreed actions past their date",
                    len(actions),
                ),
                url_for("practice.index"),
            )
        )
    links += [
        Link(
            _(
                "Follow up: %(name)s, %(kind)s",
                name=flag.enrolment.user.display_name,
                kind=flag.kind.label.lower(),
            ),
            url_for("practice.follow_up", enrolment_id=flag.enrolment_id, flag_id=flag.id),
            _("The follow-up date has passed."),
        )
        for flag in due
    ]
    return [Section(_("Supervision"), links)]


def _coordinator_sections(user, today) -> list[Section]:
    sections = []
    for membership in memberships_of(user):
        if membership.role != Role.COORDINATOR:
            continue
        organisation = membership.organisation
        ids = select(Enrolment.id).where(Enrolment.organisation_id == organisation.id)
        minutes = queries.minutes_between(
            db.session, ids, queries.month_start(today), queries.next_month(today)
        )
        overdue = queries.supervision_overdue(db.session, ids, today)
        flags = queries.overdue_flags(db.session, ids, today)
        intro = " · ".join(
            (
                _(
                    "%(hours)s practice hours this month",
                    hours=format_decimal(minutes / 60, format="#,##0.#"),
                ),
                ngettext("%(num)d supervision overdue", "%(num)d supervisions overdue", overdue),
                ngettext(
                    "%(num)d flag awaiting follow-up",
                    "%(num)d flags awaiting follow-up",
                    len(flags),
                ),
            )
        )
        sections.append(
            Section(
                _("Practice at %(organisation)s", organisation=organisation.name),
                [
                    Link(
                        _("Practice overview"),
                        url_for("practice.overview", slug=organisation.slug),
                        _("Hours, supervision and flags, with a weekly count per cohort."),
                    )
                ],
                intro=intro,
                daily=True,
            )
        )
    return sections


@home_sections(order=25)
def practice_sections(user) -> list[Section]:
    today = utcnow().date()
    return (
        _trainee_section(user)
        + _supervisor_section(user, today)
        + _coordinator_sections(user, today)
    )
