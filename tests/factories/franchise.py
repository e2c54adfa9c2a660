from datetime import timedelta

import factory
from sqlalchemy import select

from lms.api import tokens
from lms.api.models import PersonalAccessToken
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


def api_token(session, user, organisation, role, name: str = "Case system") -> str:
    """A personal access token for `user` acting as `role` in `organisation`; returns it."""
    membership = next(
        m for m in user.memberships if m.organisation_id == organisation.id and m.role == role
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
