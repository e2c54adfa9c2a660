"""The quick exit ends her session on the server, not only the page; signed-in pages are never
kept in the browser's cache, so Back cannot show them again."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.accounts.models import AuthSession
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.factories import PartnerFactory, member


def _token(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'data-quick-exit-form>\s*<input[^>]*value="([^"]+)"', page).group(1)


def _session_row(user) -> AuthSession:
    db.session.expire_all()
    return db.session.scalar(select(AuthSession).where(AuthSession.user_id == user.id))


def test_the_quick_exit_ends_the_session_and_goes_to_the_neutral_site(app, login):
    person = member(PartnerFactory())
    client = login(person)
    response = client.post("/leave", data={"csrf_token": _token(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == app.config["QUICK_EXIT_URL"]
    assert _session_row(person).revoked_reason == "quick exit"
    # What Back would ask for again now answers with the sign-in page.
    again = client.get("/my/information")
    assert again.status_code == 302
    assert "/login" in again.headers["Location"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "logout"))
    assert event.detail == {"how": "quick exit"}


def test_an_expired_token_does_not_stop_a_quick_exit_from_this_site(app, signed_in):
    person = member(PartnerFactory())
    client = signed_in(person)
    response = client.post(
        "/leave", data={"csrf_token": "expired"}, headers={"Origin": "http://alongside.test"}
    )
    assert response.status_code == 303
    assert _session_row(person).revoked_at is not None


def test_another_site_cannot_sign_her_out(app, signed_in):
    person = member(PartnerFactory())
    client = signed_in(person)
    for headers in ({"Origin": "https://elsewhere.example"}, {"Sec-Fetch-Site": "cross-site"}, {}):
        response = client.post("/leave", headers=headers)
        assert response.status_code == 303  # still sent on to the neutral site
        assert _session_row(person).revoked_at is None
    assert client.get("/my/information").status_code == 200


def test_someone_not_signed_in_is_sent_on_too(app, client):
    response = client.post("/leave")
    assert response.status_code == 303
    assert response.headers["Location"] == app.config["QUICK_EXIT_URL"]


def test_signed_in_pages_are_never_cached_and_the_button_is_a_form(app, signed_in):
    client = signed_in(member(PartnerFactory()))
    for url in ("/", "/my/information", "/account"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        page = response.get_data(as_text=True)
        assert 'action="/leave"' in page
        assert 'data-exit-url="' + app.config["QUICK_EXIT_URL"] in page
        assert "/help/private-browsing" in page


def test_the_private_browsing_page_is_open_to_everyone_and_linked_from_sign_in(client):
    assert "/help/private-browsing" in client.get("/login").get_data(as_text=True)
    page = client.get("/help/private-browsing").get_data(as_text=True)
    for words in ("private window", "history", "shared device", "e-mail", "Leave this site"):
        assert words.lower() in page.lower(), words
