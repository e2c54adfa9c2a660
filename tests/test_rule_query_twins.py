"""Every rule and its query twin give the same answer.

A list filtered in SQL must show exactly the objects the rule allows one at a time, or a page
shows a row its link then refuses (or, worse, a row the rule would refuse). For every rule
registered with a twin (`lms.permissions.twin`), every person of the authorisation table's
world (tests/routes/, plus the people at the edges of the rules: a franchisor's EQA with
current grants, one whose grant has ended and one whose grant was ended early, the
franchisor's IQA and assessor, an assessor whose role in partner A was taken away while her
cohort assignments remain) and every object of the rule's kind: `can(person, action, object)`
is true exactly when the object is among the twin's ids.
"""

from __future__ import annotations

import importlib
import inspect
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Organisation
from lms.accounts.operations import revoke_role
from lms.accounts.roles import Role
from lms.assessment import quality
from lms.curriculum.models import Cohort, CohortRole, Enrolment
from lms.curriculum.operations import assign_staff
from lms.db import utcnow
from lms.extensions import db
from lms.permissions import (
    RULE_MODULES,
    Reader,
    can,
    known_actions,
    learner_enrolment_ids,
    reads_learner,
    twins,
)
from tests.factories import MembershipFactory, member
from tests.test_authorisation import make_world

TWINS = {twin.action: twin for twin in twins()}
# What rules read from their target besides its columns (see each rule's docstring).
LOAD = {Cohort: (selectinload(Cohort.organisation), selectinload(Cohort.staff))}
QUERY_FORM = re.compile(r"^scope_|_ids_where$|_ids$")


def _grant(world, eqa, enrolment, *, starts: int, ends: int):
    today = utcnow().date()
    return quality.grant_eqa_access(
        db.session,
        db.session.get(Organisation, enrolment.organisation_id),
        world.people["iqa"],
        email=eqa.email,
        enrolment_ids=[enrolment.id],
        starts_on=today + timedelta(days=starts),
        ends_on=today + timedelta(days=ends),
    )


@pytest.fixture
def world(app):
    world = make_world()
    orgs, people = world.orgs, world.people
    session = db.session
    own_portfolio = world.objects["portfolio"]["own"]["enrolment"]
    own_record = world.objects["accreditation_own"]["enrolment"]
    people["franchisor_eqa"] = member(orgs["F"], Role.EQA)
    _grant(world, people["franchisor_eqa"], own_portfolio, starts=-1, ends=30)
    _grant(world, people["franchisor_eqa"], own_record, starts=0, ends=0)
    quiz_enrolment = session.get(Enrolment, world.objects["quiz_attempt_own"].enrolment_id)
    _grant(world, people["franchisor_eqa"], quiz_enrolment, starts=0, ends=30)
    people["expired_eqa"] = member(orgs["F"], Role.EQA)
    _grant(world, people["expired_eqa"], own_portfolio, starts=-30, ends=-1)
    people["ended_early_eqa"] = member(orgs["F"], Role.EQA)
    ended = _grant(world, people["ended_early_eqa"], own_portfolio, starts=-1, ends=30)
    quality.end_eqa_grant(session, ended, people["coordinator"])
    people["franchisor_iqa"] = member(orgs["F"], Role.IQA)
    people["franchisor_assessor"] = member(orgs["F"], Role.ASSESSOR)
    people["partner_b_coordinator"] = member(orgs["B"], Role.COORDINATOR)
    people["foreign_admin"] = member(orgs["G"], Role.ADMIN)

    cohorts = [
        session.get(Cohort, own_portfolio.cohort_id),
        session.get(
            Cohort,
            session.get(Enrolment, world.objects["quiz_attempt_own"].enrolment_id).cohort_id,
        ),
    ]
    assign_staff(session, cohorts[0], people["franchisor_assessor"], CohortRole.ASSESSOR)
    former = people["former_assessor"] = member(orgs["A"], Role.ASSESSOR)
    MembershipFactory(user=former, organisation=orgs["B"], role=Role.ASSESSOR)
    for cohort in cohorts:
        assign_staff(session, cohort, former, CohortRole.ASSESSOR)
    revoke_role(session, former, orgs["A"], Role.ASSESSOR)
    session.commit()
    session.expire_all()
    return world


def _objects(model):
    return db.session.scalars(select(model).options(*LOAD.get(model, ()))).all()


def _model_of(statement):
    return statement.column_descriptions[0]["entity"]


def _disagreements(world, allowed_by_rule, allowed_by_query) -> list[str]:
    failures = []
    for name, person in sorted(world.people.items()):
        by_rule, by_query = allowed_by_rule(person), allowed_by_query(person)
        if by_rule != by_query:
            failures.append(
                f"{name}: the rule alone allows {sorted(by_rule - by_query)}, "
                f"the query alone {sorted(by_query - by_rule)}"
            )
    return failures


@pytest.mark.parametrize("action", sorted(TWINS))
def test_a_rule_and_its_query_twin_agree(world, action):
    twin = TWINS[action]

    def by_query(person):
        return set(db.session.scalars(twin.ids(twin.form, person)))

    model = _model_of(twin.ids(twin.form, world.people["trainee"]))
    objects = _objects(model)
    assert len(objects) > 1, f"the world has too few {model.__name__} rows to tell anything"

    def by_rule(person):
        return {obj.id for obj in objects if can(person, action, obj)}

    failures = _disagreements(world, by_rule, by_query)
    assert not failures, f"{action} and its twin disagree:\n" + "\n".join(failures)
    assert any(by_query(person) for person in world.people.values()), "nobody is allowed"


READERS = {reader.name: reader for reader in Reader}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_each_kind_of_learner_reader_agrees_with_its_query(world, reader):
    readers = READERS[reader]
    enrolments = _objects(Enrolment)

    def by_rule(person):
        return {e.id for e in enrolments if reads_learner(person, e, readers)}

    def by_query(person):
        return set(db.session.scalars(learner_enrolment_ids(person, readers)))

    failures = _disagreements(world, by_rule, by_query)
    assert not failures, f"{reader} readers disagree:\n" + "\n".join(failures)
    assert any(by_query(person) for person in world.people.values()), "nobody reads"


def test_whoever_lists_an_organisations_records_may_read_every_one(world):
    enrolments = _objects(Enrolment)
    for name, person in sorted(world.people.items()):
        for organisation in _objects(Organisation):
            if can(person, "accreditation.list_records", organisation):
                unreadable = [
                    e.id
                    for e in enrolments
                    if e.organisation_id == organisation.id
                    and not can(person, "accreditation.view_record", e)
                ]
                assert not unreadable, f"{name} lists {organisation.slug} records {unreadable}"


def test_every_query_form_of_a_rule_is_registered_as_its_twin():
    """A rules module's `scope_*`, `*_ids_where` and `*_ids` functions filter lists; each must
    be the twin of a rule, so the test above holds it to that rule."""
    forms = {twin.form for twin in TWINS.values()}
    unpaired = []
    for name in RULE_MODULES:
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == name
                and QUERY_FORM.search(attribute)
                and value not in forms
            ):
                unpaired.append(f"{name}.{attribute}")
    assert not unpaired, f"query forms with no rule registered as their twin: {unpaired}"
    assert set(TWINS) <= set(known_actions()), "a twin for a rule that does not exist"
