"""The client's address is read from X-Forwarded-For only behind a configured proxy
(PROXY_COUNT): then the people behind it are counted each on her own, by the rate limit and by
the sign-in throttle alike; without it the header is ignored, so nobody can escape a limit by
typing another address into it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts.models import SignInThrottle

PROXY = "10.0.0.2"  # the reverse proxy every request arrives from


def limited(make_app, **config):
    instance = make_app(RATELIMIT_ENABLED=True, **config)
    for limiter in instance.extensions["limiter"]:
        limiter.reset()
    return instance


def attempt(instance, forwarded_for: str) -> int:
    return (
        instance.test_client()
        .post(
            "/login",
            data={"email": "someone@example.org", "password": "a wrong guess"},
            environ_base={"REMOTE_ADDR": PROXY},
            headers={"X-Forwarded-For": forwarded_for},
        )
        .status_code
    )


def throttled_addresses(session) -> set[str]:
    session.expire_all()
    return set(session.scalars(select(SignInThrottle.address)))


@pytest.fixture
def clients_behind_the_proxy():
    """A class of 25 people signing in at once from 25 addresses, all through the proxy."""
    return [f"198.51.100.{n}" for n in range(1, 26)]


def test_behind_a_configured_proxy_each_person_is_counted_on_her_own(
    make_app, session, clients_behind_the_proxy
):
    instance = limited(make_app, PROXY_COUNT=1)
    statuses = [attempt(instance, address) for address in clients_behind_the_proxy]
    assert 429 not in statuses  # more than the 20 a minute one address may try
    assert throttled_addresses(session) == set(clients_behind_the_proxy)
    # One of them trying again and again is still limited, on her own.
    again = [attempt(instance, "198.51.100.1") for _ in range(20)]
    assert again.count(429) == 1


def test_the_forwarded_address_is_the_one_the_proxy_saw(make_app, session):
    """The client may send her own X-Forwarded-For: the proxy appends what it saw, and only
    that last entry is believed."""
    instance = limited(make_app, PROXY_COUNT=1)
    attempt(instance, "203.0.113.50, 198.51.100.7")
    assert throttled_addresses(session) == {"198.51.100.7"}


def test_without_a_configured_proxy_the_header_is_ignored(
    make_app, session, clients_behind_the_proxy
):
    instance = limited(make_app, PROXY_COUNT=0)
    statuses = [attempt(instance, address) for address in clients_behind_the_proxy]
    assert statuses.count(429) == len(clients_behind_the_proxy) - 20
    assert throttled_addresses(session) == {PROXY}
