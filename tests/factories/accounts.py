import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from lms.accounts.models import Membership, Organisation, User
from lms.accounts.roles import OrganisationKind, Role

TEST_PASSWORD = "correct horse battery"
# A cheap argon2id hash: verifying it is quick, and it is still a real hash.
_TEST_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(
    TEST_PASSWORD
)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "commit"


class FranchisorFactory(BaseFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"franchisor-{n}")
    name = factory.Sequence(lambda n: f"Franchisor {n}")
    kind = OrganisationKind.FRANCHISOR


class PartnerFactory(BaseFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.Sequence(lambda n: f"Partner Organisation {n}")
    kind = OrganisationKind.PARTNER
    franchisor = factory.SubFactory(FranchisorFactory)


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name", locale="en_GB")
    password_hash = _TEST_PASSWORD_HASH


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(PartnerFactory)
    role = Role.TRAINEE


def member(organisation: Organisation, *roles: Role, **user_fields) -> User:
    """A new person holding `roles` in `organisation`."""
    user = UserFactory(**user_fields)
    for role in roles or (Role.TRAINEE,):
        MembershipFactory(user=user, organisation=organisation, role=role)
    return user
