"""What workers and machines share through Redis (lms.shared): rate limits, the outbox's
queue and the short-lived cache; and the warning when several workers share nothing.

Each test starts its own redis-server on the loopback address; two apps on the same database
and the same Redis stand for two instances."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms import shared
from lms.accounts.roles import Role
from lms.accreditation import vc
from lms.accreditation.models import IssuedCredential
from lms.accreditation.operations import revoke_award
from lms.accreditation.statuslist import bitstring_from_credential
from lms.extensions import db
from lms.mail.models import MessageStatus, OutboxMessage
from tests.accreditation import test_accreditation_revocation as revocation
from tests.factories import PartnerFactory, member
from tests.scale.servers import redis_server

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url(tmp_path):
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture
def config_overrides(redis_url):
    return {"REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url}


def test_the_sign_in_limit_is_counted_once_across_instances(app, make_app):
    first = make_app(RATELIMIT_ENABLED=True)
    second = make_app(RATELIMIT_ENABLED=True)
    statuses = []
    for n in range(24):
        instance = (first, second)[n % 2]
        browser = instance.test_client()
        statuses.append(
            browser.post("/login", data={"email": f"x{n}@example.org", "password": "g"}).status_code
        )
    # "20 per minute" from one client address, whichever instance answers.
    assert statuses.count(429) == 4
    assert statuses[:20] == [400] * 20


def test_several_workers_without_shared_storage_are_warned_about(app, caplog):
    caplog.set_level(logging.WARNING)
    assert shared.warn_if_not_shared(app, workers=3) is False  # this app has Redis
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    assert shared.warn_if_not_shared(app, workers=1) is False
    assert shared.warn_if_not_shared(app, workers=3) is True
    assert "3 workers run without shared storage" in caplog.text


def test_a_request_s_mail_goes_on_the_queue_and_is_sent_once(app, client, session, outbox):
    member(PartnerFactory(), Role.TRAINEE, email="jo@example.org")
    session.commit()
    response = client.post("/password/forgot", data={"email": "jo@example.org"})
    response.close()  # its mail is handed on once the answer has gone
    assert response.status_code in (200, 302)
    assert outbox == []  # not sent by the request: its id is on the queue
    with app.app_context():
        ids = shared.wait_for_rings(1, limit=10)
        message = db.session.scalar(select(OutboxMessage))
        assert ids == [message.id]
        from lms.mail.sender import send_due

        assert send_due(db.session, ids=ids).sent == ids
        assert send_due(db.session, ids=ids).sent == []  # claimed once only
        assert db.session.get(OutboxMessage, message.id).status == MessageStatus.SENT
        assert shared.wait_for_rings(1, limit=10) == []
    assert len(outbox) == 1


def test_the_watching_sender_sends_what_is_rung_at_once(app, runner, session, outbox):
    from lms.mail import cli as mail_cli
    from lms.mail.outbox import enqueue

    with app.test_request_context():
        message = enqueue(
            db.session,
            "jo@example.org",
            "A message",
            "password_reset",
            user=SimpleNamespace(display_name="Jo"),
            hours=2,
            link="https://alongside.test/x",
        )
        db.session.commit()
        assert shared.ring([message.id])
        mail_cli._wait_for_rings(1, limit=10)
        assert [sent.to for sent in outbox] == [["jo@example.org"]]


def test_the_cache_is_shared_by_instances(app, make_app):
    other = make_app()
    made = []

    def make():
        made.append(1)
        return "answer"

    with app.app_context():
        assert shared.memo()("question", make) == "answer"
    with other.app_context():
        assert shared.memo()("question", make) == "answer"
    assert made == [1]


revoked = revocation.revoked
_payload = revocation._payload


def test_a_status_list_is_signed_once_while_it_says_the_same(
    app, client, session, revoked, monkeypatch
):
    signed = []
    secure = vc.secure
    monkeypatch.setattr(vc, "secure", lambda *args, **kw: signed.append(1) or secure(*args, **kw))
    bethany_award = revoked["bethany_award"]
    issued = session.scalar(
        select(IssuedCredential).where(IssuedCredential.award_id == bethany_award.id)
    )
    status = issued.credential["credentialStatus"]
    url = status["statusListCredential"].removeprefix("http://alongside.test")
    index = int(status["statusListIndex"])

    first = client.get(url).get_data(as_text=True)
    assert client.get(url).get_data(as_text=True) == first
    assert len(signed) == 1
    assert index not in bitstring_from_credential(_payload(first)).set_indexes()

    # Revoked: the next answer says so at once, whatever was cached.
    revoke_award(session, bethany_award, revoked_by=revoked["admin"], reason="A mistake.")
    session.commit()
    after = client.get(url).get_data(as_text=True)
    assert index in bitstring_from_credential(_payload(after)).set_indexes()
    assert len(signed) == 2


def test_the_process_cache_forgets_after_its_time():
    now = [0.0]
    cache = shared.ProcessCache(size=2, clock=lambda: now[0])
    assert cache.get_or_make("a", 10, lambda: "one") == "one"
    assert cache.get_or_make("a", 10, lambda: "two") == "one"
    now[0] = 11
    assert cache.get_or_make("a", 10, lambda: "three") == "three"
    cache.get_or_make("b", 10, lambda: "b")
    cache.get_or_make("c", 10, lambda: "c")
    assert cache.get_or_make("a", 10, lambda: "four") == "four"  # only the two latest are kept


def test_a_long_wait_on_an_empty_queue_ends_quietly(app):
    """A sender's interval may be longer than the connection's timeout: the wait is cut
    into pieces shorter than it, never ended by an error."""
    with app.app_context():
        assert shared.wait_for_rings(30, limit=10) == []
