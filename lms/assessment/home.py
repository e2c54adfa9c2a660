"""Home-page sections for trainees' portfolios, assessors, IQAs and EQAs."""

from __future__ import annotations

from flask import url_for

from lms.accounts.models import memberships_of
from lms.assessment.today import assessor_day, eqa_day, iqa_day
from lms.core.home import Link, Section, home_sections
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _
from lms.permissions import can


@home_sections(order=20)
def portfolio_sections(user) -> list[Section]:
    from lms.accounts.roles import Role

    links = []
    if Role.TRAINEE in user.roles:
        links.append(
            Link(
                _("My portfolio"),
                url_for("portfolio.index"),
                _("Your evidence for each unit, what you have submitted, and your feedback."),
            )
        )
    if can(user, "assessment.queue"):
        links.append(
            Link(
                _("Assessment queue"),
                url_for("assessment.queue"),
                _("Work submitted by trainees in your cohorts, oldest first."),
            )
        )
    if can(user, "iqa.access"):
        links.append(
            Link(
                _("Quality assurance"),
                url_for("assessment.iqa_home"),
                _("Sampled decisions to review, sampling plans, reports and standardisation."),
            )
        )
    if can(user, "eqa.home"):
        links.append(
            Link(
                _("External quality assurance"),
                url_for("assessment.eqa_home"),
                _("The learners whose records you have been given to review."),
            )
        )
    links += _eqa_access_links(user)
    links.append(
        Link(_("Notifications"), url_for("notifications.index"), _("What has happened lately."))
    )
    return [Section(_("Portfolio and assessment"), links)]


def _eqa_access_links(user) -> list[Link]:
    """For coordinators (and administrators, of their franchisor): its EQA access page."""
    organisations = {
        m.organisation for m in memberships_of(user) if can(user, "eqa.invite", m.organisation)
    }
    return [
        Link(
            _("External quality assurance for %(organisation)s", organisation=organisation.name),
            url_for("assessment.eqa_access", slug=organisation.slug),
            _(
                "Invite external quality assurers, give them learners to review, and end "
                "access early."
            ),
        )
        for organisation in sorted(organisations, key=lambda o: o.name)
    ]


@home_sections(order=8)
def quality_day_sections(user) -> list[Section]:
    """First for an assessor: what waits for her decision, longest first; for an IQA:
    decisions sampled for her; for an EQA: her learners and time left."""
    sections = []
    if can(user, "assessment.queue"):
        sections.append(
            Section(
                _("Your assessment work"),
                template="home/assessor_day.html",
                data=assessor_day(db.session, user),
            )
        )
    if can(user, "iqa.access"):
        sections.append(
            Section(
                _("Your quality assurance"),
                template="home/iqa_day.html",
                data=iqa_day(db.session, user),
            )
        )
    if can(user, "eqa.home"):
        sections.append(
            Section(
                _("Your external review"),
                template="home/eqa_day.html",
                data=eqa_day(db.session, user, utcnow().date()),
            )
        )
    return sections
