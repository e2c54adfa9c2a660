"""Shared fixtures: an app per test on a clean database, isolated HTTP clients, factories,
sign-in helpers and a query counter.

Set TEST_DATABASE_URL to run the suite on PostgreSQL (scripts/test-postgres.sh does this).
"""

from __future__ import annotations

import contextvars
import os
import re
from contextlib import contextmanager

import pytest
from flask.ctx import _cv_app, _cv_request
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, event, text

import lms.models  # noqa: F401 - the whole schema
from lms import create_app
from lms.db import Base
from lms.extensions import db
from lms.ledger.triggers import create_triggers, drop_triggers, missing_triggers
from tests.factories import ALL_FACTORIES

DEMO_PASSWORD = "correct horse battery"
# Test databases are thrown away: no need to wait for the disk on every commit.
os.environ.setdefault("SQLITE_SYNCHRONOUS", "OFF")
# Organisations' signing keys, made once per worker and handed out in the same order in every
# test (a first organisation gets the first key, a second the second): making a fresh RSA key
# for each organisation of each test would cost minutes.
_KEY_POOL: dict[int, list] = {}


@pytest.fixture(autouse=True)
def _signing_keys_made_once(monkeypatch):
    from itertools import count

    from lms.accreditation import issuing, keys

    handed = count()

    def new_private_key(bits: int):
        index = next(handed)
        pool = _KEY_POOL.setdefault(bits, [])
        while len(pool) <= index:
            pool.append(keys.generate_private_key(bits))
        return pool[index]

    monkeypatch.setattr(issuing, "new_private_key", new_private_key)


# Property tests draw the same examples on every run and machine (seeded from each test's
# name) and are never timed: a result must not depend on luck or on how busy the machine is.
# HYPOTHESIS_PROFILE=explore searches afresh, for looking for new counter-examples on purpose.
hypothesis_settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


def _chromium_path() -> str:
    import shutil

    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _unavailable() -> dict[str, str]:
    """Markers whose tests cannot run in this environment, and why."""
    on_postgres = bool(os.environ.get("TEST_DATABASE_URL"))
    reasons = {}
    if not os.environ.get("TEST_POSTGRES_URL"):
        reasons["postgres"] = "no PostgreSQL server (scripts/test-postgres.sh provides one)"
    if on_postgres:
        reasons["sqlite"] = "this run is on PostgreSQL"
    if not os.path.exists(_chromium_path()):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            raise pytest.UsageError(
                f"Chromium not found at {_chromium_path()}; install Debian's chromium package"
            )
        reasons["browser"] = "Chromium is not installed (apt-get install chromium)"
    if not _clamd_installed():
        if os.environ.get("REQUIRE_CLAMAV") == "1":
            raise pytest.UsageError("clamd not found; install Debian's clamav-daemon package")
        reasons["clamav"] = "clamd is not installed (apt-get install clamav-daemon)"
    reasons.update(_cluster_unavailable(on_postgres))
    return reasons


def _cluster_unavailable(on_postgres: bool) -> dict[str, str]:
    """The scale tests need redis-server (and the cluster test haproxy, gunicorn and the
    PostgreSQL run's server); with REQUIRE_CLUSTER=1 their absence is an error."""
    import shutil

    missing = [
        name
        for name, found in {
            "redis-server": shutil.which("redis-server") or os.path.exists("/usr/bin/redis-server"),
            "haproxy": shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy"),
            "gunicorn": _importable("gunicorn"),
            "moto": _importable("moto"),
        }.items()
        if not found
    ]
    reasons = {}
    if "redis-server" in missing:
        reasons["redis"] = "redis-server is not installed (apt-get install redis-server)"
    if missing and os.environ.get("REQUIRE_CLUSTER") == "1":
        raise pytest.UsageError(f"REQUIRE_CLUSTER=1 but not installed: {', '.join(missing)}")
    if not on_postgres:
        reasons["cluster"] = "it runs in the PostgreSQL pass, on that run's server"
    elif missing:
        reasons["cluster"] = f"not installed: {', '.join(missing)}"
    return reasons


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _clamd_installed() -> bool:
    import shutil

    return bool(shutil.which("clamd")) or os.path.exists("/usr/sbin/clamd")


_LEFT_OUT: dict[str, int] = {}


def pytest_collection_modifyitems(config, items):
    """Tests that need what this machine or run lacks are deselected (and counted in the
    summary), never silently skipped."""
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
    reasons = _unavailable()
    keep, drop = [], []
    for item in items:
        missing = [name for name in reasons if item.get_closest_marker(name)]
        (drop if missing else keep).append(item)
        for name in missing:
            _LEFT_OUT[name] = _LEFT_OUT.get(name, 0) + 1
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter, config):
    # Under xdist the workers collect; the summary names what this environment lacks.
    for name, reason in sorted(_unavailable().items()):
        count = f"{_LEFT_OUT[name]} " if name in _LEFT_OUT else ""
        terminalreporter.write_line(f"NOTE: {count}{name} tests did not run here: {reason}.")


class IsolatedClient(FlaskClient):
    """A test client whose requests never share the test's application context.

    pytest-flask keeps a request context pushed for the whole test; without this, every
    request would reuse the test's `g` and database session and hide real-world bugs.
    """

    def open(self, *args, **kwargs):
        def run():
            _cv_app.set(None)
            _cv_request.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        return contextvars.copy_context().run(run)


def _database_url(tmp_path_factory, worker: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    if worker == "master":
        return url
    # Each parallel worker gets a database of its own on the same server.
    base, name = url.rsplit("/", 1)
    name = f"{name}_{worker}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    url = _database_url(tmp_path_factory, worker_id)
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def _empty_all_tables(url: str) -> None:
    from flask import has_app_context

    if has_app_context():
        db.session.close()  # an open read transaction would block TRUNCATE on PostgreSQL
    engine = create_engine(url)
    with engine.begin() as connection:
        # The database refuses to delete append-only rows, so their triggers are set aside while
        # it empties: on PostgreSQL, as a superuser (the private test cluster's role), for this
        # transaction only (a replica session fires no ordinary trigger); else by dropping them.
        replica = False
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            replica = connection.scalar(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            )
        if replica:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            drop_triggers(connection)
        # DELETE in dependency order: on small test data it is far quicker than TRUNCATE.
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        if not replica:
            create_triggers(connection)
        elif missing_triggers(connection):  # a test that played the superuser dropped some
            drop_triggers(connection)
            create_triggers(connection)
    engine.dispose()


@pytest.fixture
def config_overrides():
    """Override in a test module to change configuration for its tests."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, config_overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "SQLALCHEMY_ENGINES": {"default": database_url},
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Each test's app keeps its limits, cache and outbox queue to itself, whatever the
        # environment says (tests that share them start their own Redis).
        "REDIS_URL": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "locmem",
        "EVIDENCE_STORAGE_PATH": str(tmp_path / "evidence"),
        "MAIL_OUTBOX_PATH": str(tmp_path / "outbox"),
        "SERVER_NAME": "alongside.test",
        # Password hashing is deliberately slow; tests need it correct, not slow.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 1024,
        # The smallest RSA key RS256 allows is quicker to make than the default.
        "SIGNING_KEY_BITS": 2048,
    }
    config.update(config_overrides)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    yield application
    with application.app_context():
        db.session.close()
        for engine in db.engines.values():
            engine.dispose()
    _empty_all_tables(database_url)


@pytest.fixture
def client(app):
    """Overrides pytest-flask's client, which preserves request contexts across requests."""
    return app.test_client()


@pytest.fixture
def make_app(app):
    """`make_app(**config)`: another app on the test database, closed after the test."""
    made = []

    def make(**overrides):
        extra = create_app({**app.config, **overrides})
        extra.test_client_class = IsolatedClient
        made.append(extra)
        return extra

    yield make
    for extra in made:
        with extra.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def runner(app):
    """Runs `flask --app app ...` commands against the test app."""
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """The test's own database session (separate from the sessions of HTTP requests)."""
    return db.session


@pytest.fixture(autouse=True)
def _same_made_up_data_every_run(request):
    """Factories make the same names for a test on every run (seeded by its id), so an
    outcome never depends on chance, such as a name that happens to hold an apostrophe."""
    import factory.random

    factory.random.reseed_random(request.node.nodeid)


@pytest.fixture(autouse=True)
def _bind_factories(request):
    if "app" in request.fixturenames:
        request.getfixturevalue("app")
        for factory in ALL_FACTORIES:
            factory._meta.sqlalchemy_session_factory = lambda: db.session


@pytest.fixture
def outbox(app):
    """Messages sent during the test (the locmem backend collects them here)."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


@pytest.fixture
def deliver(app):
    """`deliver()` sends what the outbox holds, as `flask --app app mail send` does (domain
    tests call it; after an HTTP request the app has sent the request's mail already)."""
    from lms.mail.sender import send_due

    def run(**kwargs):
        return send_due(db.session, **kwargs)

    return run


@pytest.fixture(autouse=True)
def _no_real_mail(monkeypatch):
    """No test ever talks to a mail server other than one it started on this machine."""
    import smtplib

    connect = smtplib.SMTP.connect

    def loopback_only(self, host="localhost", port=0, source_address=None):
        if host not in ("localhost", "127.0.0.1", "::1"):
            raise AssertionError("a test tried to send real e-mail")
        return connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", loopback_only)


class Auth:
    """Signs a test client in and out through the real sign-in form."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = DEMO_PASSWORD, remember: bool = False):
        email = getattr(user_or_email, "email", user_or_email)
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/login", data=data)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def login(app):
    """`login(user)` returns a new client signed in as `user`."""

    def make(user, password: str = DEMO_PASSWORD):
        client = app.test_client()
        response = Auth(client).login(user, password)
        assert response.status_code == 302, "sign-in failed in test set-up"
        return client

    return make


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` counts SQL statements sent by any session."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine

        def before_cursor_execute(conn, cursor, statement, *args):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|PRAGMA)", statement, re.I):
                counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return counting


@pytest.fixture
def signed_in(app):
    """`signed_in(user)` returns a new client with a server-side session for `user`, made
    directly (no password check), for tests that sign in many times."""
    from lms.accounts.sessions import start_session

    def make(user):
        with app.app_context():
            person = db.session.merge(user)
            token = start_session(
                db.session, person, remember=False, idle_minutes=60, remember_days=1
            )
            db.session.commit()
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = token
            flask_session["_fresh"] = True
        return client

    return make
