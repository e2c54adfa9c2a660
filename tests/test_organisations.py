"""Organisations and members, as administrators and coordinators manage them."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import delete, func, select

from lms.accounts.models import Membership, MembershipInvitation, Organisation, User
from lms.accounts.roles import Role
from lms.errors import DomainError
from lms.mail.models import OutboxMessage
from lms.web import MAX_ID
from tests.factories import FranchisorFactory, PartnerFactory, member
from tests.routes import answer


@pytest.fixture
def franchise():
    franchisor = FranchisorFactory(slug="trust", name="The Trust")
    northside = PartnerFactory(slug="northside", name="Northside", franchisor=franchisor)
    harbour = PartnerFactory(slug="harbour", name="Harbour", franchisor=franchisor)
    return franchisor, northside, harbour


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def join_link(message) -> str:
    (link,) = re.findall(r"https?://\S+/join/\S+", message.body)
    return link.split("alongside.test", 1)[1]


def test_coordinator_adds_a_new_trainee_who_is_invited(login, client, franchise, outbox, session):
    _, northside, _ = franchise
    coordinator = member(northside, Role.COORDINATOR)
    browser = login(coordinator)

    response = browser.post(
        "/organisations/northside/members",
        data={"email": "Sam@Example.org", "display_name": "Sam Jones", "roles": ["trainee"]},
    )
    assert response.status_code == 302
    assert session.scalar(select(User).where(User.email == "sam@example.org")) is None
    assert len(outbox) == 1
    assert outbox[0].to == ["sam@example.org"]
    # The message never names the organisation (its name may say what the site is about):
    # the page its link opens does.
    assert "Northside" not in outbox[0].subject
    assert "Northside" not in outbox[0].body
    page = browser.get("/organisations/northside/members").get_data(as_text=True)
    assert "Invitations waiting for an answer" in page
    assert "sam@example.org" in page

    link = join_link(outbox[0])
    invitation_page = client.get(link).get_data(as_text=True)
    assert "Trainee mentor" in invitation_page
    assert "Northside" in invitation_page
    response = client.post(
        link,
        data={
            "answer": "accept",
            "display_name": "Sam J",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    sam = session.scalar(select(User).where(User.email == "sam@example.org"))
    assert sam.display_name == "Sam J"
    assert sam.roles_in(northside.id) == {Role.TRAINEE}
    login(sam, "a long enough passphrase")
    page = browser.get("/organisations/northside/members").get_data(as_text=True)
    assert "Sam J" in page
    assert "Invitations waiting for an answer" not in page


def test_a_new_member_and_her_invitation_are_kept_or_undone_together(
    login, franchise, outbox, session, monkeypatch
):
    _, northside, _ = franchise
    browser = login(member(northside, Role.COORDINATOR))

    def fails_after_the_invitation(*args, **kwargs):
        raise DomainError("Something else went wrong.")

    monkeypatch.setattr("lms.accounts.admin_views.flash", fails_after_the_invitation)
    response = browser.post(
        "/organisations/northside/members",
        data={"email": "sam@example.org", "display_name": "Sam Jones", "roles": ["trainee"]},
    )
    assert response.status_code == 400
    assert count(session, MembershipInvitation) == 0
    assert count(session, OutboxMessage) == 0
    assert outbox == []


def test_adding_someone_without_a_name_keeps_what_was_typed(login, franchise, session):
    _, northside, _ = franchise
    browser = login(member(northside, Role.COORDINATOR))
    before = count(session, User)
    response = browser.post(
        "/organisations/northside/members", data={"email": "new@example.org", "roles": ["assessor"]}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please give their name" in page
    assert 'value="new@example.org"' in page
    assert count(session, User) == before


def test_coordinator_cannot_grant_admin_or_manage_another_partner(login, franchise, session):
    _, northside, _harbour = franchise
    browser = login(member(northside, Role.COORDINATOR))
    memberships = count(session, Membership)

    response = browser.post(
        "/organisations/northside/members",
        data={"email": "x@example.org", "display_name": "X", "roles": ["admin"]},
    )
    assert response.status_code == 400  # not a choice offered to coordinators
    response = browser.post(
        "/organisations/harbour/members",
        data={"email": "x@example.org", "display_name": "X", "roles": ["trainee"]},
    )
    assert response.status_code == 404  # another partner's page is not found, not refused
    assert count(session, Membership) == memberships


def test_one_of_her_own_people_gets_another_role_without_invitation(
    login, franchise, outbox, session
):
    _, northside, _ = franchise
    person = member(northside, Role.ASSESSOR, email="kim@example.org")
    browser = login(member(northside, Role.COORDINATOR))
    browser.post(
        "/organisations/northside/members", data={"email": "kim@example.org", "roles": ["iqa"]}
    )
    session.expire_all()
    assert session.get(User, person.id).roles == {Role.ASSESSOR, Role.IQA}
    assert outbox == []


def visible(response) -> tuple:
    """What the coordinator sees: status, where it sends her, the body without CSRF tokens,
    and the names of the cookies set."""
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', response.get_data(as_text=True))
    body = re.sub(r"/member-invitations/\d+/", "/member-invitations/ID/", body)  # a new row
    cookies = sorted(c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie"))
    return response.status_code, response.headers.get("Location"), body, cookies


def test_adding_someone_of_another_organisation_answers_as_for_an_unknown_address(
    app, login, franchise, outbox, session
):
    """She is not attached, nothing tells that she has an account, and she joins only by
    accepting the e-mailed invitation signed in as herself."""
    _, northside, harbour = franchise
    kim = member(harbour, Role.ASSESSOR, email="kim@example.org", display_name="Kim Private")
    browser = login(member(northside, Role.COORDINATOR))

    def add(address: str) -> list:
        seen = []
        response = browser.post(
            "/organisations/northside/members",
            data={"email": address, "display_name": "Typed Name", "roles": ["iqa"]},
        )
        seen.append(visible(response))
        page = browser.get("/organisations/northside/members")
        seen.append(visible(page))
        return [
            tuple(part.replace(address, "ADDRESS") if isinstance(part, str) else part for part in s)
            for s in seen
        ]

    unknown = add("nobody-here@example.org")
    session.execute(delete(MembershipInvitation))  # back to how things stood before
    session.commit()
    assert add("kim@example.org") == unknown
    session.expire_all()
    kim = session.get(User, kim.id)
    assert kim.roles == {Role.ASSESSOR}
    assert kim.display_name == "Kim Private"
    messages = [m for m in outbox if m.to == ["kim@example.org"]]
    assert len(messages) == 1
    link = join_link(messages[0])

    # Choosing a password on the page changes nothing of hers, and answers as for a new address.
    anonymous = app.test_client()
    response = anonymous.post(
        link,
        data={
            "answer": "accept",
            "display_name": "Someone",
            "password": "another long passphrase",
            "confirm": "another long passphrase",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, kim.id).roles == {Role.ASSESSOR}

    herself = login(kim)
    assert "Accept and join" in herself.get(link).get_data(as_text=True)
    assert herself.post(link, data={"answer": "accept"}).status_code == 302
    session.expire_all()
    assert session.get(User, kim.id).roles == {Role.ASSESSOR, Role.IQA}
    assert herself.post(link, data={"answer": "accept"}).status_code == 400  # used up


def test_removing_a_role(login, franchise, session):
    _, northside, _ = franchise
    trainee = member(northside, Role.TRAINEE, Role.ASSESSOR)
    browser = login(member(northside, Role.COORDINATOR))
    response = browser.post(f"/organisations/northside/members/{trainee.id}/roles/assessor/remove")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, trainee.id).roles == {Role.TRAINEE}


def test_person_from_another_organisation_is_not_found(login, franchise):
    _, northside, harbour = franchise
    outsider = member(harbour, Role.TRAINEE)
    browser = login(member(northside, Role.COORDINATOR))
    response = browser.post(f"/organisations/northside/members/{outsider.id}/invite")
    assert response.status_code == 404


def test_another_organisation_answers_exactly_as_one_that_does_not_exist(login, franchise):
    _, northside, harbour = franchise
    outsider = member(harbour, Role.TRAINEE)
    browser = login(member(northside, Role.COORDINATOR))
    for foreign, missing in (
        ("/organisations/harbour/members", "/organisations/nowhere/members"),
        (
            f"/organisations/northside/members/{outsider.id}/roles/trainee/remove",
            f"/organisations/northside/members/{MAX_ID}/roles/trainee/remove",
        ),
        (
            f"/organisations/harbour/members/{outsider.id}/invite",
            f"/organisations/nowhere/members/{MAX_ID}/invite",
        ),
    ):
        method = browser.get if foreign.endswith("members") else browser.post
        assert answer(method(foreign)) == answer(method(missing))
        assert answer(method(foreign))[0] == 404


def test_someone_who_has_set_a_password_is_not_invited_again(login, franchise, outbox):
    _, northside, _ = franchise
    person = member(northside, Role.TRAINEE, display_name="Ama Owusu")
    browser = login(member(northside, Role.COORDINATOR))
    response = browser.post(f"/organisations/northside/members/{person.id}/invite")
    assert response.status_code == 302
    page = browser.get(response.location).get_data(as_text=True)
    assert "Ama Owusu has already set a password." in page
    assert outbox == []


def test_admin_creates_a_partner(login, franchise, session):
    franchisor, _, _ = franchise
    browser = login(member(franchisor, Role.ADMIN))
    response = browser.post(
        "/admin/organisations", data={"name": "Riverside Women", "slug": "riverside"}
    )
    assert response.status_code == 302
    riverside = session.scalar(select(Organisation).where(Organisation.slug == "riverside"))
    assert riverside.franchisor_id == franchisor.id

    again = browser.post("/admin/organisations", data={"name": "Again", "slug": "riverside"})
    assert again.status_code == 400
    assert "already exists" in again.get_data(as_text=True)
    assert 'value="Again"' in again.get_data(as_text=True)


def test_admin_sees_only_their_own_franchise(login, franchise):
    franchisor, _, _ = franchise
    other = FranchisorFactory(slug="other", name="Other Trust")
    PartnerFactory(slug="elsewhere", name="Elsewhere", franchisor=other)
    page = login(member(franchisor, Role.ADMIN)).get("/admin/").get_data(as_text=True)
    assert "Northside" in page
    assert "Harbour" in page
    assert "Elsewhere" not in page
    assert "Other Trust" not in page


def test_audit_log_shows_role_changes(login, franchise):
    franchisor, northside, _ = franchise
    coordinator = login(member(northside, Role.COORDINATOR))
    coordinator.post(
        "/organisations/northside/members",
        data={"email": "ana@example.org", "display_name": "Ana", "roles": ["trainee"]},
    )
    page = (
        login(member(franchisor, Role.ADMIN))
        .get("/admin/audit?action=membership")
        .get_data(as_text=True)
    )
    assert "membership.invited" in page
    assert "login.succeeded" not in page


def test_members_page_query_count_does_not_grow(login, franchise, count_queries):
    _, northside, _ = franchise
    browser = login(member(northside, Role.COORDINATOR))

    def measure():
        with count_queries() as counter:
            assert browser.get("/organisations/northside/members").status_code == 200
        return counter.count

    small = measure()
    for _ in range(25):
        member(northside, Role.TRAINEE)
    assert measure() == small


def test_members_are_paged_and_searchable(login, franchise):
    _, northside, _ = franchise
    browser = login(member(northside, Role.COORDINATOR, display_name="Aaron Coordinator"))
    for n in range(60):
        member(northside, Role.TRAINEE, display_name=f"Trainee {n:02d}", email=f"t{n}@example.org")
    first = browser.get("/organisations/northside/members").get_data(as_text=True)
    assert "61 people" in first
    assert "Page 1 of 2" in first
    following = re.search(r'<a href="([^"]*)">Next page</a>', first).group(1)
    second = browser.get(html.unescape(following)).get_data(as_text=True)
    assert "Page 2 of 2" in second
    assert "Trainee 59" in second
    assert "Trainee 59" not in first
    preceding = re.search(r'<a href="([^"]*)">Previous page</a>', second).group(1)
    again = browser.get(html.unescape(preceding)).get_data(as_text=True)
    assert re.findall(r"Trainee \d\d", again) == re.findall(r"Trainee \d\d", first)
    found = browser.get("/organisations/northside/members?q=t42@").get_data(as_text=True)
    assert "1 person" in found
    assert "Trainee 42" in found
