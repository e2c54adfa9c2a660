"""What a sign-in costs, and what it stays correct under.

- argon2id's production settings are one of OWASP's (19 MiB, 2 passes, 1 lane).
- A password stored with other settings is hashed again at its owner's next sign-in, in the
  sign-in's own transaction, and the new hash still lets her in.
- Attempts sent all at once, on separate connections as other workers would, are counted one
  after the other: exactly the free number of them are checked, the rest are asked to wait.
- A worker hashes two passwords at a time (each takes 19 MiB while it runs); others wait.
"""

from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import passwords, throttle
from lms.accounts.authentication import SIGN_IN_FAILED, authenticate
from lms.accounts.models import SignInThrottle, User
from lms.accounts.roles import Role
from lms.config import load_config
from lms.errors import DomainError
from tests.factories import PartnerFactory, member

PASSWORD = "correct horse battery"
OLD = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=2)


@pytest.fixture
def trainee():
    return member(PartnerFactory(), Role.TRAINEE, email="jo@example.org")


def stored_hash(session, user) -> str:
    session.expire_all()
    return session.scalar(select(User.password_hash).where(User.id == user.id))


def test_production_settings_are_owasps(monkeypatch, tmp_path):
    for name in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST_KIB", "ARGON2_PARALLELISM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    config = load_config(tmp_path)
    assert (
        config["ARGON2_MEMORY_COST_KIB"],
        config["ARGON2_TIME_COST"],
        config["ARGON2_PARALLELISM"],
    ) == (19 * 1024, 2, 1)


def test_a_hash_made_with_old_settings_is_made_again_at_sign_in(app, client, trainee, session):
    trainee.password_hash = OLD.hash(PASSWORD)
    session.commit()
    assert passwords.needs_rehash(trainee.password_hash)

    response = client.post("/login", data={"email": trainee.email, "password": PASSWORD})
    assert response.status_code == 302
    upgraded = stored_hash(session, trainee)
    parameters = extract_parameters(upgraded)
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        app.config["ARGON2_TIME_COST"],
        app.config["ARGON2_MEMORY_COST_KIB"],
        app.config["ARGON2_PARALLELISM"],
    )
    assert not passwords.needs_rehash(upgraded)
    assert passwords.verify_password(upgraded, PASSWORD)

    # She signs in again with the new hash, which is left as it is.
    client.post("/logout")
    again = client.post("/login", data={"email": trainee.email, "password": PASSWORD})
    assert again.status_code == 302
    assert stored_hash(session, trainee) == upgraded


def test_a_wrong_password_leaves_an_old_hash_alone(client, trainee, session):
    old = trainee.password_hash = OLD.hash(PASSWORD)
    session.commit()
    response = client.post("/login", data={"email": trainee.email, "password": "not it at all"})
    assert response.status_code == 400
    assert stored_hash(session, trainee) == old


def test_the_new_hash_is_kept_only_with_the_sign_in(app, trainee, session):
    """The new hash is part of the sign-in's transaction: rolled back with it."""
    trainee.password_hash = old = OLD.hash(PASSWORD)
    session.commit()
    policy = throttle.policy_from_config(app.config)
    authenticate(session, trainee.email, PASSWORD, address="192.0.2.1", policy=policy)
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(trainee.password_hash)
    session.rollback()
    assert stored_hash(session, trainee) == old


def test_attempts_at_once_are_checked_together_and_counted_one_after_the_other(
    app, trainee, session, config_overrides, monkeypatch
):
    policy = throttle.Policy(
        per_address=throttle.Limits(free=50), per_account=throttle.Limits(free=2)
    )
    session.commit()
    engine = session.get_bind()
    attempts = 5
    # Every attempt checks its password only when all of them have come to the check: it
    # holds no lock, so they are checked together (a class signing in at once is not made to
    # queue). Counted afterwards under the locks, no more are answered than the limit allows.
    at_the_check = threading.Barrier(attempts)
    check = passwords.verify_password
    queued: list[bool] = []

    def slow_check(*args):
        try:
            at_the_check.wait(timeout=10)
        except threading.BrokenBarrierError:
            queued.append(True)
        return check(*args)

    monkeypatch.setattr("lms.accounts.authentication.verify_password", slow_check)
    start = threading.Barrier(attempts)
    answers: list[str] = []

    def attempt() -> None:
        with app.app_context(), Session(engine) as own:
            start.wait(timeout=30)
            try:
                authenticate(own, trainee.email, "wrong", address="192.0.2.9", policy=policy)
            except DomainError as error:
                answers.append("checked" if str(error) == SIGN_IN_FAILED else "asked to wait")
            own.commit()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert queued == []
    assert sorted(answers) == ["asked to wait"] * 3 + ["checked"] * 2
    failures = session.scalars(
        select(SignInThrottle.failures).where(SignInThrottle.email_digest != "")
    ).all()
    assert failures == [2]


class _HeldHasher:
    """Stands in for argon2: each check waits until the test lets it finish, and the most
    checks running together is counted."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.started = threading.Semaphore(0)
        self.finish = threading.Semaphore(0)

    def verify(self, password_hash, password):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.release()
        self.finish.acquire()
        with self.lock:
            self.running -= 1
        return True


def test_a_worker_hashes_two_passwords_at_a_time_and_the_rest_wait_their_turn(monkeypatch):
    held = _HeldHasher()
    monkeypatch.setattr(passwords, "_hasher", held)
    threads = [
        threading.Thread(target=passwords.verify_password, args=("$argon2id$stored", PASSWORD))
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    held.started.acquire()
    held.started.acquire()  # two are hashing
    for _ in range(3):  # each time one finishes, the next may start
        held.finish.release()
        held.started.acquire()
    held.finish.release()
    held.finish.release()
    for thread in threads:
        thread.join()
    assert held.most == 2
