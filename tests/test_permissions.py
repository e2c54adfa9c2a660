"""The authorisation rules as a table: role x action x own or foreign organisation."""

from __future__ import annotations

import pytest

from lms.accounts.roles import Role
from lms.permissions import can, known_actions
from tests.factories import FranchisorFactory, PartnerFactory, member

ROLES = [Role.TRAINEE, Role.ASSESSOR, Role.IQA, Role.COORDINATOR, Role.ADMIN, Role.EQA]

# action -> roles allowed on their own organisation (for admin: a partner of their franchisor)
TABLE = {
    "organisation.view": {Role.ASSESSOR, Role.IQA, Role.COORDINATOR, Role.ADMIN},
    "organisation.manage_members": {Role.COORDINATOR, Role.ADMIN},
}


@pytest.fixture
def orgs(app):
    franchisor = FranchisorFactory()
    own = PartnerFactory(franchisor=franchisor)
    foreign = PartnerFactory()  # under another franchisor
    return franchisor, own, foreign


def person(orgs, role):
    franchisor, own, _ = orgs
    return member(franchisor if role == Role.ADMIN else own, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(TABLE))
def test_organisation_rules(orgs, role, action):
    _, own, foreign = orgs
    user = person(orgs, role)
    assert can(user, action, own) == (role in TABLE[action])
    assert can(user, action, foreign) is False


@pytest.mark.parametrize("role", ROLES)
def test_who_may_grant_which_role(orgs, role):
    _, own, foreign = orgs
    user = person(orgs, role)
    for granted in ROLES:
        expected = role == Role.ADMIN or (
            role == Role.COORDINATOR and granted not in (Role.ADMIN, Role.EQA)
        )
        assert can(user, "organisation.grant_role", (own, granted)) == expected, granted
        assert can(user, "organisation.grant_role", (foreign, granted)) is False


def test_admin_only_actions(orgs):
    for role in ROLES:
        user = person(orgs, role)
        for action in ("admin.access", "organisation.create", "audit.view"):
            assert can(user, action) == (role == Role.ADMIN)


def test_nobody_can_disable_themselves_and_admins_only_within_their_franchise(orgs):
    _franchisor, own, foreign = orgs
    admin = person(orgs, Role.ADMIN)
    assert can(admin, "user.disable", admin) is False
    assert can(admin, "user.disable", member(own, Role.TRAINEE)) is True
    assert can(admin, "user.disable", member(foreign, Role.TRAINEE)) is False
    coordinator = person(orgs, Role.COORDINATOR)
    assert can(coordinator, "user.disable", member(own, Role.TRAINEE)) is False


def test_signed_out_and_disabled_people_can_do_nothing(orgs):
    _, own, _ = orgs
    admin = person(orgs, Role.ADMIN)
    admin.is_disabled = True
    for action in known_actions():
        assert can(None, action, own) is False
    assert can(admin, "organisation.view", own) is False


def test_unknown_action_is_a_programming_error(orgs):
    with pytest.raises(LookupError):
        can(person(orgs, Role.ADMIN), "no.such.action")


def test_the_default_rule_modules_are_the_capabilities_rules():
    from lms import capabilities
    from lms.permissions import RULE_MODULES

    assert sorted(RULE_MODULES) == sorted(capabilities.paths("rules"))


def test_loading_rules_again_changes_nothing(app):
    from lms.permissions import RULE_MODULES, load_rules

    before = known_actions()
    load_rules(RULE_MODULES)
    load_rules(reversed(RULE_MODULES))
    assert known_actions() == before
    assert {"audit.view", "curriculum.enrolment.view", "accreditation.view_record"} <= set(before)
