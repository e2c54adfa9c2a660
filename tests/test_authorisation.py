"""Every route, every kind of person, own or foreign organisation, through HTTP.

The table lives in tests/routes/. A route in the app that the table does not list fails here,
so nothing reaches users without a decision about who may use it.
"""

from __future__ import annotations

import shutil
import sqlite3
from functools import partial
from pathlib import Path

import pytest
from flask import current_app, url_for
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from lms.accounts.roles import Role
from lms.extensions import db
from lms.web import MAX_ID
from tests.conftest import _empty_all_tables
from tests.factories import FranchisorFactory, PartnerFactory, member
from tests.routes import SUBJECTS, World, all_routes, answer, build_world

ROUTES = all_routes()
SUBJECT_ROLES = {
    "trainee": Role.TRAINEE,
    "other_trainee": Role.TRAINEE,
    "assessor": Role.ASSESSOR,
    "iqa": Role.IQA,
    "coordinator": Role.COORDINATOR,
    "eqa": Role.EQA,
}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def make_world() -> World:
    franchisor = FranchisorFactory(slug="franchisor-f", name="Franchisor F")
    partner_a = PartnerFactory(slug="partner-a", name="Partner A", franchisor=franchisor)
    partner_b = PartnerFactory(slug="partner-b", name="Partner B", franchisor=franchisor)
    other_franchisor = FranchisorFactory(slug="franchisor-g", name="Franchisor G")
    partner_c = PartnerFactory(slug="partner-c", name="Partner C", franchisor=other_franchisor)
    people = {
        subject: member(partner_a, role, display_name=subject.replace("_", " ").title())
        for subject, role in SUBJECT_ROLES.items()
    }
    people["admin"] = member(franchisor, Role.ADMIN, display_name="Admin")
    people["foreign_trainee"] = member(partner_c, Role.TRAINEE, display_name="Foreign Trainee")
    people["foreign_coordinator"] = member(partner_c, Role.COORDINATOR)
    people["foreign_assessor"] = member(partner_c, Role.ASSESSOR)
    orgs = {"F": franchisor, "A": partner_a, "B": partner_b, "G": other_franchisor, "C": partner_c}
    return build_world(World(orgs=orgs, people=people))


class _SavedWorld:
    """The world made once for each test process and put back before each use.

    Making it (organisations with signing keys, courses, signed decisions and awards, evidence
    files) takes over a second, and the table needs a fresh one for every permitted
    state-changing request; copying back the SQLite file it was saved in, and its evidence
    folder, takes milliseconds. The world's objects are kept detached with their columns
    loaded, so their ids and addresses read the same in every test. On PostgreSQL the world is
    made afresh each time."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.world: World | None = None

    def fresh(self, database_url: str) -> World:
        if make_url(database_url).get_backend_name() != "sqlite":
            _empty_all_tables(database_url)
            return make_world()
        if self.world is None:
            _empty_all_tables(database_url)
            self.world = make_world()
            _detach_loaded(self.world)
            self._copy(database_url, into_saved=True)
        else:
            self._copy(database_url, into_saved=False)
        return self.world

    def _copy(self, database_url: str, into_saved: bool) -> None:
        db.session.close()
        for engine in db.engines.values():
            engine.dispose()
        live_database = make_url(database_url).database
        saved_database = self.folder / "world.sqlite3"
        source, target = (
            (live_database, saved_database) if into_saved else (saved_database, live_database)
        )
        with sqlite3.connect(source) as reader, sqlite3.connect(target) as writer:
            reader.backup(writer)
        reader.close()
        writer.close()
        live_evidence = Path(current_app.config["EVIDENCE_STORAGE_PATH"])
        saved_evidence = self.folder / "evidence"
        source, target = (
            (live_evidence, saved_evidence) if into_saved else (saved_evidence, live_evidence)
        )
        shutil.rmtree(target, ignore_errors=True)
        if source.exists():
            shutil.copytree(source, target)


def _detach_loaded(value) -> None:
    """Load the columns of every object in the world and detach it from the session."""
    if isinstance(value, World):
        for part in (value.orgs, value.people, value.objects):
            _detach_loaded(part)
    elif isinstance(value, dict):
        for item in value.values():
            _detach_loaded(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            _detach_loaded(item)
    elif (state := inspect(value, raiseerr=False)) is not None and getattr(state, "session", None):
        state.session.refresh(value)
        state.session.expunge(value)


@pytest.fixture(scope="session")
def _saved_world(tmp_path_factory) -> _SavedWorld:
    return _SavedWorld(tmp_path_factory.mktemp("authorisation-world"))


@pytest.fixture
def fresh_world(app, database_url, _saved_world):
    """`fresh_world()`: the table's world as it was made, whatever was changed since."""
    return partial(_saved_world.fresh, database_url)


def app_routes(app) -> dict[str, set[str]]:
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return methods


def test_every_route_has_a_rule(app):
    missing = sorted(set(app_routes(app)) - set(ROUTES))
    assert not missing, f"routes with no authorisation rule in tests/routes/: {missing}"
    stale = sorted(set(ROUTES) - set(app_routes(app)))
    assert not stale, f"rules for routes that no longer exist: {stale}"


def _is_denied(response, subject: str) -> bool:
    if subject == "anonymous":
        if response.status_code == 401:
            return True
        return response.status_code == 302 and "/login" in response.headers.get("Location", "")
    return response.status_code in (403, 404)


def _is_allowed(response, route) -> bool:
    if response.status_code in route.allowed_statuses:
        return True
    to_login = "/login" in response.headers.get("Location", "")
    return 200 <= response.status_code < 400 and (route.signs_out or not to_login)


MISSING_SLUG = "no-such-organisation"


def _missing(world: World, args: dict) -> dict:
    """`args` naming nothing that exists: ids beyond any row, and no such organisation in place
    of the foreign one."""
    foreign_slug = world.orgs["C"].slug
    return {
        name: MAX_ID if type(value) is int else MISSING_SLUG if value == foreign_slug else value
        for name, value in args.items()
    }


def _under_own_organisation(world: World, args: dict) -> dict | None:
    """The foreign objects' ids in the own organisation's URL, when the URL names both."""
    foreign_slug = world.orgs["C"].slug
    if foreign_slug not in args.values() or not any(type(v) is int for v in args.values()):
        return None
    own_slug = world.orgs["A"].slug
    return {name: own_slug if value == foreign_slug else value for name, value in args.items()}


def _answer_for(app, client, endpoint, route, method, headers, args):
    with app.test_request_context():
        url = url_for(endpoint, **args)
    data = route.form if method != "GET" else None
    response = client.open(url, method=method, data=data, headers=headers)
    try:
        return url, answer(response)
    finally:
        response.close()


def _foreign_answers(ask, route, world, subject: str) -> list[str]:
    """Why another organisation's ids, as `subject` asks for them, answer otherwise than ids
    that do not exist (nothing when they answer alike)."""
    foreign = route.url_args(world, "foreign")
    pairs = [(foreign, _missing(world, foreign))]
    if subject in route.allowed and (mixed := _under_own_organisation(world, foreign)):
        pairs.append((mixed, _missing(world, mixed)))
    problems = []
    for args, missing in pairs:
        url, got = ask(args)
        _, expected = ask(missing)
        if got != expected:
            problems.append(
                f"{url} as {subject}: answers {got[0]}, not as a missing id does ({expected[0]})"
                + (": the page differs" if got[0] == expected[0] else "")
            )
        elif subject in route.allowed and got[0] != 404:
            problems.append(f"{url} as {subject}: answers {got[0]} where her role works: not 404")
    return problems


def _page_problems(response, asked: str) -> list[str]:
    """What is wrong with a page anyone may be shown, whoever asked."""
    if response.mimetype == "text/html" and '="None"' in response.get_data(as_text=True):
        return [f'{asked}: an attribute reads "None"']
    return []


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_authorisation(app, fresh_world, signed_in, endpoint):
    route = ROUTES[endpoint]
    methods = app_routes(app).get(endpoint, set())
    scopes = ("own", "foreign") if route.url_args else ("own",)
    world = fresh_world()

    cases = []
    for method in sorted(methods):
        for scope in scopes:
            for subject in SUBJECTS:
                allowed_set = route.allowed if scope == "own" else route.foreign_allowed
                allowed = route.public or subject in allowed_set
                cases.append((allowed, method, scope, subject))
    # Refusals change nothing, so they run first on one world; each permitted state-changing
    # request gets a fresh world.
    cases.sort(key=lambda case: case[0])

    failures = []
    for allowed, method, scope, subject in cases:
        if allowed and method in STATE_CHANGING:
            world = fresh_world()
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **(route.url_args(world, scope) if route.url_args else {}))
        headers = {}
        if subject == "anonymous":
            client = app.test_client()
        elif route.bearer:
            client = app.test_client()
            headers["Authorization"] = f"Bearer {world.objects['api_tokens'][subject]}"
        else:
            client = signed_in(world.people[subject])
        response = client.open(
            url, method=method, data=route.form if method != "GET" else None, headers=headers
        )
        ok = _is_allowed(response, route) if allowed else _is_denied(response, subject)
        failures += _page_problems(response, f"{method} {url} as {subject}")
        response.close()
        if not ok:
            failures.append(
                f"{method} {url} as {subject} ({scope}): expected "
                f"{'allowed' if allowed else 'denied'}, got {response.status_code}"
            )
        elif route.hides_foreign and scope == "foreign" and not allowed and subject != "anonymous":
            ask = partial(_answer_for, app, client, endpoint, route, method, headers)
            failures += [
                f"{method} {problem}" for problem in _foreign_answers(ask, route, world, subject)
            ]
    assert not failures, "\n".join(failures)


def test_the_world_comes_back_as_it_was_made(app, fresh_world):
    """What a permitted request changed is gone when the next case asks for the world."""
    from lms.accounts.models import User

    world = fresh_world()
    trainee_id = world.people["trainee"].id
    evidence = Path(app.config["EVIDENCE_STORAGE_PATH"])
    files_made = sorted(path.relative_to(evidence) for path in evidence.rglob("*"))
    assert files_made, "the world's evidence has files"

    db.session.get(User, trainee_id).display_name = "Changed"
    db.session.commit()
    shutil.rmtree(evidence)

    again = fresh_world()
    assert again.people["trainee"].id == trainee_id
    assert db.session.get(User, trainee_id).display_name == "Trainee"
    assert sorted(path.relative_to(evidence) for path in evidence.rglob("*")) == files_made
