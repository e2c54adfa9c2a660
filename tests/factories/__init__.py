"""Model factories (factory_boy). Each capability adds a module and lists its factories here."""

from tests.factories.accounts import (
    FranchisorFactory,
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    member,
)

ALL_FACTORIES = [FranchisorFactory, PartnerFactory, UserFactory, MembershipFactory]

__all__ = [
    "ALL_FACTORIES",
    "FranchisorFactory",
    "MembershipFactory",
    "PartnerFactory",
    "UserFactory",
    "member",
]
