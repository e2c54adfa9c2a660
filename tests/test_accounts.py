"""Signing in and out, lockout, password reset and change, and server-side sessions, as people
use them through the browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts.authentication import SIGN_IN_FAILED, make_reset_token
from lms.accounts.models import AuthSession, SignInThrottle, User
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.db import clock_at, utcnow
from tests.factories import PartnerFactory, member

PASSWORD = "correct horse battery"


@pytest.fixture
def partner():
    return PartnerFactory()


@pytest.fixture
def trainee(partner):
    return member(partner, Role.TRAINEE, email="jo@example.org", display_name="Jo Bloggs")


def audit_actions(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_in_page_has_labelled_fields(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<label class="field__label" for="email">Email</label>' in page
    assert '<label class="field__label" for="password">Password</label>' in page


def test_sign_in_and_out(client, auth, trainee, session):
    response = auth.login(trainee)
    assert response.status_code == 302
    assert client.get("/").get_data(as_text=True).count("Hello, Jo Bloggs") == 1

    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # back to sign-in
    assert audit_actions(session)[-2:] == ["login.succeeded", "logout"]


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth, trainee):
    wrong = auth.login(trainee, "not the password").get_data(as_text=True)
    unknown = auth.login("nobody@example.org", "not the password").get_data(as_text=True)
    assert str(SIGN_IN_FAILED) in wrong
    assert str(SIGN_IN_FAILED) in unknown
    # What was typed is kept, except the password.
    assert 'value="nobody@example.org"' in unknown
    assert "not the password" not in unknown


def test_a_failed_sign_in_is_an_error_answer_that_still_counts(client, auth, trainee, session):
    response = auth.login(trainee, "not the password")
    assert response.status_code == 400
    assert audit_actions(session) == ["login.failed"]
    session.expire_all()
    counts = session.scalars(select(SignInThrottle.failures)).all()
    assert counts == [1, 1]  # one for the client address, one for the address typed from it


def test_repeated_failures_ask_for_a_growing_wait_and_never_lock_the_account(
    client, auth, trainee, session
):
    start = utcnow() - timedelta(days=1)
    with clock_at(start):
        for _ in range(5):
            auth.login(trainee, "wrong password here")
        response = auth.login(trainee, PASSWORD)
    assert response.status_code == 400  # the failures were kept although each answer was an error
    assert "please wait 30 seconds" in response.get_data(as_text=True)
    assert "login.throttled" in audit_actions(session)
    with clock_at(start + timedelta(seconds=31)):
        auth.login(trainee, "wrong password again")
        assert "please wait 60 seconds" in auth.login(trainee, PASSWORD).get_data(as_text=True)
    with clock_at(start + timedelta(seconds=95)):
        assert auth.login(trainee, PASSWORD).status_code == 302
    assert session.scalars(select(SignInThrottle.email_digest)).all() == [""]


def test_next_parameter_only_redirects_within_the_site(client, trainee):
    response = client.post(
        "/login?next=https://evil.example/phish",
        data={"email": trainee.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"
    response = client.post("/logout")
    response = client.post(
        "/login?next=/account", data={"email": trainee.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account"


def test_disabled_account_cannot_sign_in(auth, trainee, session):
    user = session.get(User, trainee.id)
    user.is_disabled = True
    session.commit()
    assert str(SIGN_IN_FAILED) in auth.login(trainee).get_data(as_text=True)


def test_replayed_cookie_after_sign_out_is_refused(app, client, auth, trainee):
    auth.login(trainee)
    stolen = client.get_cookie("session", domain="alongside.test").value
    auth.logout()

    attacker = app.test_client()
    attacker.set_cookie("session", stolen, domain="alongside.test")
    assert attacker.get("/account").status_code == 302


def test_remember_me_survives_a_closed_browser_until_sign_out(app, trainee):
    browser = app.test_client()
    browser.post("/login", data={"email": trainee.email, "password": PASSWORD, "remember": "y"})
    remember = browser.get_cookie("remember_token", domain="alongside.test")
    assert remember is not None
    assert remember.http_only

    reopened = app.test_client()  # the session cookie is gone; the remember cookie is kept
    reopened.set_cookie("remember_token", remember.value, domain="alongside.test")
    assert reopened.get("/account").status_code == 200

    browser.post("/logout")
    replay = app.test_client()
    replay.set_cookie("remember_token", remember.value, domain="alongside.test")
    assert replay.get("/account").status_code == 302


def test_session_cookie_flags(client, auth, trainee):
    response = auth.login(trainee)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_password_reset_by_emailed_link(client, trainee, outbox, session):
    response = client.post("/password/forgot", data={"email": trainee.email})
    assert "Check your email" in response.get_data(as_text=True)
    # The message goes only once the answer has gone, so how long the answer takes does not
    # tell whether the address has an account.
    assert outbox == []
    response.close()
    assert len(outbox) == 1
    link = re.search(r"https?://\S+/password/reset/\S+", outbox[0].body).group(0)
    path = link.split("alongside.test", 1)[1]

    weak = client.post(path, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 400
    assert "at least 10 characters" in weak.get_data(as_text=True)

    done = client.post(
        path, data={"password": "river lamp orchard", "confirm": "river lamp orchard"}
    )
    assert done.status_code == 302
    assert (
        client.post(
            "/login", data={"email": trainee.email, "password": "river lamp orchard"}
        ).status_code
        == 302
    )

    reused = client.get(path)
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)


def test_reset_for_unknown_email_looks_the_same_and_sends_nothing(client, outbox):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    response.close()
    assert outbox == []


def test_expired_reset_link(app, client, trainee, monkeypatch):
    import time

    from itsdangerous.timed import TimestampSigner

    with app.app_context():
        token = make_reset_token(app.config["SECRET_KEY"], trainee)
    later = int(time.time()) + (app.config["PASSWORD_RESET_HOURS"] + 1) * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(("days_later", "works"), [(6, True), (8, False)])
def test_an_invitation_to_choose_a_password_lasts_a_week(
    app, client, trainee, monkeypatch, days_later, works
):
    import time

    from itsdangerous.timed import TimestampSigner

    with app.app_context():
        token = make_reset_token(app.config["SECRET_KEY"], trainee, valid_hours=7 * 24)
        reset = make_reset_token(app.config["SECRET_KEY"], trainee)
    later = int(time.time()) + days_later * 24 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get(f"/password/reset/{token}")
    assert (response.status_code == 200) is works
    assert ("expired" in response.get_data(as_text=True)) is not works
    # A reset link asked for by someone who forgot her password stays short-lived.
    assert client.get(f"/password/reset/{reset}").status_code == 400


def test_changing_password_ends_other_sessions(app, trainee, session):
    phone = app.test_client()
    laptop = app.test_client()
    for browser in (phone, laptop):
        browser.post("/login", data={"email": trainee.email, "password": PASSWORD})

    wrong = laptop.post(
        "/account/password",
        data={
            "current_password": "nope",
            "password": "river lamp orchard",
            "confirm": "river lamp orchard",
        },
    )
    assert "current password is not right" in wrong.get_data(as_text=True)

    response = laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "river lamp orchard",
            "confirm": "river lamp orchard",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200  # this browser carries on
    assert phone.get("/account").status_code == 302  # the other one is signed out


def test_sign_out_everywhere_else(app, trainee):
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop):
        browser.post("/login", data={"email": trainee.email, "password": PASSWORD})
    laptop.post("/account/sign-out-everywhere")
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_disabling_an_account_ends_its_sessions(app, partner, trainee, session):
    admin = member(partner.franchisor, Role.ADMIN)
    victim_browser = app.test_client()
    victim_browser.post("/login", data={"email": trainee.email, "password": PASSWORD})
    admin_browser = app.test_client()
    admin_browser.post("/login", data={"email": admin.email, "password": PASSWORD})

    response = admin_browser.post(
        f"/organisations/{partner.slug}/members/{trainee.id}/access", data={"disable": "1"}
    )
    assert response.status_code == 302
    assert victim_browser.get("/account").status_code == 302
    session.expire_all()
    assert (
        session.scalar(select(AuthSession.revoked_reason).where(AuthSession.user_id == trainee.id))
        == "account disabled"
    )


def test_idle_session_expires(app, client, auth, trainee, session):
    auth.login(trainee)
    auth_session = session.scalar(select(AuthSession).where(AuthSession.user_id == trainee.id))
    auth_session.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    session.commit()
    assert client.get("/account").status_code == 302


@pytest.fixture
def limited_app(make_app):
    limited = make_app(RATELIMIT_ENABLED=True)
    for limiter in limited.extensions["limiter"]:
        limiter.reset()
    return limited


def test_sign_in_attempts_from_one_address_are_throttled(limited_app):
    browser = limited_app.test_client()
    statuses = [
        browser.post("/login", data={"email": f"x{n}@example.org", "password": "guess"}).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [400] * 20  # refused by the form, not yet by the throttle
    assert statuses[20] == 429
    assert "too many attempts" in browser.post("/login", data={}).get_data(as_text=True)
