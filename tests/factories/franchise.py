from dataclasses import dataclass
from datetime import timedelta

import factory
from sqlalchemy import select

from lms.accounts.models import memberships_of
from lms.api import tokens
from lms.api.models import PersonalAccessToken
from lms.curriculum.models import CourseUnit, Unit
from lms.db import utcnow
from lms.franchise.models import Licence, LicenceStatus, LicenceUnit
from tests.factories.accounts import BaseFactory, PartnerFactory
from tests.factories.curriculum import CourseFactory


class LicenceFactory(BaseFactory):
    """A licence in force: started a month ago, ends in a year, 20 seats."""

    class Meta:
        model = Licence

    organisation = factory.SubFactory(PartnerFactory)
    course = factory.SubFactory(CourseFactory)
    seats = 20
    starts_on = factory.LazyFunction(lambda: utcnow().date() - timedelta(days=30))
    expires_on = factory.LazyFunction(lambda: utcnow().date() + timedelta(days=365))
    status = LicenceStatus.ACTIVE
    notes = ""


class LicenceUnitFactory(BaseFactory):
    class Meta:
        model = LicenceUnit

    licence = factory.SubFactory(LicenceFactory)
    unit_code = factory.Sequence(lambda n: f"U{n:03d}")


def licence_whole_course(organisation, course):
    """The partner's licence for the qualification, issued covering every unit the course has
    now when she has none; None when no licence is needed."""
    from lms.extensions import db
    from lms.franchise.licences import licence_for, needs_licence

    if not needs_licence(organisation, course):
        return None
    licence = licence_for(db.session, organisation, course)
    if licence is None:
        licence = LicenceFactory(organisation=organisation, course=course)
        for code in db.session.scalars(
            select(Unit.code)
            .join(CourseUnit, CourseUnit.unit_id == Unit.id)
            .where(CourseUnit.course_id == course.id)
        ).all():
            LicenceUnitFactory(licence=licence, unit_code=code)
    return licence


def enrol_new_trainee(session, cohort, email: str, name: str | None = None, **user_fields):
    """A new trainee of the cohort's organisation with `email`, enrolled in the cohort (as the
    coordinator enrols her own people); her enrolment."""
    from lms.accounts.models import Organisation
    from lms.accounts.roles import Role
    from lms.franchise.enrolment import enrol_person
    from tests.factories.accounts import member

    organisation = session.get(Organisation, cohort.organisation_id)
    if name is not None:
        user_fields["display_name"] = name
    member(organisation, Role.TRAINEE, email=email, **user_fields)
    return enrol_person(session, cohort, email, today=utcnow().date()).enrolment


def api_token(session, user, organisation, role, name: str = "Case system") -> str:
    """A personal access token for `user` acting as `role` in `organisation`; returns it."""
    membership = next(
        m for m in memberships_of(user) if m.organisation_id == organisation.id and m.role == role
    )
    _, raw = tokens.create_token(session, user, membership, name)
    session.commit()
    return raw


def expired_api_token(session, user, organisation, role) -> str:
    raw = api_token(session, user, organisation, role, name="Old")
    token = session.scalar(
        select(PersonalAccessToken).where(PersonalAccessToken.token_hash == tokens.hash_token(raw))
    )
    token.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    return raw


@dataclass
class Franchise:
    franchisor: object
    partner: object
    course: object
    licence: object
    cohort: object
    coordinator: object
    admin: object
    elsewhere: object  # a partner of another franchisor
    stranger: object  # that partner's coordinator


def licensed_partner(
    session, *, seats: int = 20, expires_in_days: int = 365, units: int = 2, lessons: int = 2
) -> Franchise:
    """A franchisor, a partner licensed for a qualification with an open cohort, their
    coordinator and administrator, and a partner of another franchisor with its coordinator."""
    from lms.accounts.roles import Role
    from lms.curriculum import operations as curriculum
    from tests.factories.accounts import FranchisorFactory, member
    from tests.factories.curriculum import course_with_content

    franchisor = FranchisorFactory(slug="trust", name="The Trust")
    partner = PartnerFactory(slug="northside", name="Northside", franchisor=franchisor)
    elsewhere = PartnerFactory(slug="elsewhere", name="Elsewhere")
    course = course_with_content(
        units=units, lessons=lessons, title="Level 3 Certificate in Reintegrative Mentoring"
    )
    licence = LicenceFactory(
        organisation=partner,
        course=course,
        seats=seats,
        expires_on=utcnow().date() + timedelta(days=expires_in_days),
    )
    for code in session.scalars(
        select(Unit.code)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == course.id)
    ).all():
        LicenceUnitFactory(licence=licence, unit_code=code)
    cohort = curriculum.create_cohort(session, partner, course, "Spring 2027")
    session.commit()
    return Franchise(
        franchisor=franchisor,
        partner=partner,
        course=course,
        licence=licence,
        cohort=cohort,
        coordinator=member(partner, Role.COORDINATOR, display_name="Cora Coordinator"),
        admin=member(franchisor, Role.ADMIN, display_name="Ada Admin"),
        elsewhere=elsewhere,
        stranger=member(elsewhere, Role.COORDINATOR),
    )
