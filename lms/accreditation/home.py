from flask import url_for
from sqlalchemy import select

from lms.accounts.models import Organisation, memberships_of
from lms.accounts.roles import Role
from lms.accreditation.today import trainee_day
from lms.core.home import Link, Section, home_sections
from lms.curriculum.home import active_enrolments_on_home
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _
from lms.permissions import admin_franchisor_ids, can


def _organisations_with_records(user) -> list[Organisation]:
    """Partner organisations whose records the person may read (administrators: every
    partner of their franchisor)."""
    organisations = {
        m.organisation
        for m in memberships_of(user)
        if not m.organisation.is_franchisor
        and can(user, "accreditation.list_records", m.organisation)
    }
    if admin_of := admin_franchisor_ids(user):
        organisations.update(
            db.session.scalars(select(Organisation).where(Organisation.franchisor_id.in_(admin_of)))
        )
    return sorted(organisations, key=lambda organisation: organisation.name)


@home_sections(order=20)
def achievement_sections(user) -> list[Section]:
    sections = []
    if Role.TRAINEE in user.roles:
        sections.append(
            Section(
                _("Your achievements"),
                [
                    Link(
                        _("Units, qualifications and certificates"),
                        url_for("accreditation.my_achievements"),
                        _(
                            "What you have achieved so far, what is still to do, and your "
                            "certificates and digital badges to download."
                        ),
                    )
                ],
            )
        )
    links = []
    for organisation in _organisations_with_records(user):
        links.append(
            Link(
                _("Learner records at %(organisation)s", organisation=organisation.name),
                url_for("accreditation.organisation_records", slug=organisation.slug),
                _("Each trainee's units, credits, sign-offs and awards; cohort certificates."),
            )
        )
        if can(user, "accreditation.claim", organisation):
            links.append(
                Link(
                    _("Certification claims for %(organisation)s", organisation=organisation.name),
                    url_for("accreditation.claims_page", slug=organisation.slug),
                    _("Export achievements for the awarding body; nothing is claimed twice."),
                )
            )
    if links:
        sections.append(Section(_("Records and awards"), links))
    return sections


@home_sections(order=5)
def trainee_day_section(user) -> list[Section]:
    """First for a trainee: where she left off, what is waiting on her, and how far she is."""
    if Role.TRAINEE not in user.roles:
        return []
    day = trainee_day(db.session, user, active_enrolments_on_home(user), utcnow())
    if day is None:
        return []
    return [Section(_("Your day"), template="home/trainee_day.html", data=day)]
