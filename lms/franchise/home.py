from flask import url_for

from lms.accounts.models import memberships_of
from lms.accounts.roles import Role
from lms.core.home import Link, Section, home_sections
from lms.db import utcnow
from lms.extensions import db
from lms.franchise.queries import assigned_cohorts
from lms.franchise.today import coordinator_day
from lms.i18n import _
from lms.permissions import can


@home_sections(order=30)
def franchise_sections(user) -> list[Section]:
    sections = []
    if can(user, "franchise.overview"):
        sections.append(
            Section(
                _("Franchise"),
                [
                    Link(
                        _("Partners overview"),
                        url_for("franchise.overview_page"),
                        _("Licences, cohorts, trainees and achievements across every partner."),
                    )
                ],
            )
        )
    coordinated = sorted(
        {
            m.organisation
            for m in memberships_of(user)
            if not m.organisation.is_franchisor and can(user, "partner.report", m.organisation)
        },
        key=lambda organisation: organisation.name,
    )
    for organisation in coordinated:
        sections.append(
            Section(
                _("Training at %(organisation)s", organisation=organisation.name),
                [
                    Link(
                        _("Cohorts and licences"),
                        url_for("franchise.partner", slug=organisation.slug),
                        _("Your cohorts, their trainees and progress, and your licences."),
                    ),
                    Link(
                        _("Enrol trainees from a CSV file"),
                        url_for("franchise.import_enrolments", slug=organisation.slug),
                        _("Add many trainees at once from a spreadsheet."),
                    ),
                ],
            )
        )
    cohorts = assigned_cohorts(db.session, user)
    if cohorts:
        sections.append(
            Section(
                _("Cohorts you are assigned to"),
                [
                    Link(
                        cohort.name,
                        url_for(
                            "franchise.cohort_progress",
                            slug=cohort.organisation.slug,
                            cohort_id=cohort.id,
                        ),
                        cohort.organisation.name,
                    )
                    for cohort in cohorts
                ],
            )
        )
    return sections


@home_sections(order=8)
def coordinator_day_sections(user) -> list[Section]:
    """First for a coordinator, for each partner she coordinates: licence seats, trainees who
    have gone quiet and units waiting longest (her practice and survey figures follow)."""
    now = utcnow()
    organisations = sorted(
        {
            m.organisation
            for m in memberships_of(user)
            if m.role == Role.COORDINATOR and not m.organisation.is_franchisor
        },
        key=lambda organisation: organisation.name,
    )
    return [
        Section(
            _("Today at %(organisation)s", organisation=organisation.name),
            template="home/coordinator_day.html",
            data=coordinator_day(db.session, organisation, now),
        )
        for organisation in organisations
    ]
