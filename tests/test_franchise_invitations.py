"""Enrolling by e-mail never reveals, attaches or changes a person of another organisation.

Whoever is not yet one of the partner's people is invited by e-mail and joins only when she
accepts, signed in as herself (or, with no account yet, choosing her password): the
coordinator's answer is the same, byte for byte, whether the address is unknown or belongs to
another partner's trainee, on every path (the form, a CSV file, the API).
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from lms.accounts.models import Membership, User, memberships_of
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.curriculum import operations as curriculum
from lms.curriculum.models import CourseKind, Enrolment
from lms.db import utcnow
from lms.extensions import db
from lms.franchise.enrolment import Enrolled, Invited, enrol_person
from lms.franchise.models import EnrolmentInvitation, InvitationStatus
from lms.mail.models import OutboxMessage
from tests.factories import CourseFactory, api_token, licensed_partner, member

TODAY = utcnow().date()
ADDRESS = "sam@example.org"
TYPED_NAME = "Sam Typed"
TYPED_BIRTH = "1991-03-03"
HER_NAME = "Samira Private"
HER_BIRTH = "1985-05-05"


@pytest.fixture
def world(session):
    return licensed_partner(session, seats=10)


def other_partners_trainee(session, world) -> User:
    """A trainee of the other partner with ADDRESS, on the same qualification and on a free
    short course there."""
    sam = member(
        world.elsewhere,
        Role.TRAINEE,
        email=ADDRESS,
        display_name=HER_NAME,
        date_of_birth=HER_BIRTH,
    )
    curriculum.enrol(session, sam, world.course, world.elsewhere)
    session.commit()
    return sam


def forget_invitations(session) -> None:
    """Back to how things stood before the first attempt (the audit trail aside)."""
    session.execute(delete(EnrolmentInvitation))
    session.execute(delete(OutboxMessage))
    session.commit()


def visible(response) -> tuple:
    """What the coordinator sees of a response: its status, where it sends her, its body
    (CSRF tokens aside)."""
    body = re.sub(rb'(name="csrf_token"[^>]*value=")[^"]*"', rb'\1"', response.get_data())
    body = re.sub(rb'(<meta name="csrf-token" content=")[^"]*"', rb'\1"', body)
    return response.status_code, response.headers.get("Location"), body


def assert_untouched(session, world, sam: User) -> None:
    session.expire_all()
    sam = session.get(User, sam.id)
    assert (sam.display_name, sam.date_of_birth) == (HER_NAME, HER_BIRTH)
    assert {m.organisation_id for m in memberships_of(sam)} == {world.elsewhere.id}
    assert session.scalars(
        select(Enrolment.organisation_id).where(Enrolment.user_id == sam.id)
    ).all() == [world.elsewhere.id]


# --- the same answer on every path ---------------------------------------------------------------


def test_the_form_answers_alike_for_an_unknown_address_and_another_partners_trainee(
    session, login, world, outbox
):
    browser = login(world.coordinator)
    cohort_url = f"/organisations/northside/cohorts/{world.cohort.id}"

    def attempt() -> list:
        without_name = browser.post(cohort_url + "/enrol", data={"email": ADDRESS})
        sent = browser.post(
            cohort_url + "/enrol",
            data={"email": ADDRESS, "display_name": TYPED_NAME, "date_of_birth": TYPED_BIRTH},
        )
        with_message = browser.get(sent.location)
        return [visible(r) for r in (without_name, sent, with_message, browser.get(cohort_url))]

    unknown = attempt()
    assert unknown[0][0] == 400
    assert b"Please give her name" in unknown[0][2]
    assert unknown[1][0] == 302
    assert f"We have sent an invitation to {ADDRESS}.".encode() in unknown[2][2]
    assert session.scalar(select(User).where(User.email == ADDRESS)) is None
    forget_invitations(session)

    sam = other_partners_trainee(session, world)
    assert attempt() == unknown
    assert_untouched(session, world, sam)
    assert [m.to for m in outbox] == [[ADDRESS], [ADDRESS]]
    assert HER_NAME not in outbox[-1].body


def csv_upload(browser, text: str):
    return browser.post(
        "/organisations/northside/enrolments/import",
        data={"file": (io.BytesIO(text.encode()), "trainees.csv")},
    )


def test_the_csv_import_answers_alike_for_an_unknown_address_and_another_partners_trainee(
    session, login, world, outbox
):
    browser = login(world.coordinator)

    def attempt() -> list:
        without_name = csv_upload(browser, f"email,name,cohort\n{ADDRESS},,Spring 2027\n")
        sent = csv_upload(
            browser,
            f"email,name,cohort,date_of_birth\n{ADDRESS},{TYPED_NAME},Spring 2027,{TYPED_BIRTH}\n",
        )
        return [visible(without_name), visible(sent), visible(browser.get(sent.location))]

    unknown = attempt()
    assert unknown[1][0] == 302
    assert b"We have sent 1 invitation" in unknown[2][2]
    forget_invitations(session)

    sam = other_partners_trainee(session, world)
    assert attempt() == unknown
    assert_untouched(session, world, sam)
    assert [m.to for m in outbox] == [[ADDRESS], [ADDRESS]]


def test_the_api_answers_alike_for_an_unknown_address_and_another_partners_trainee(
    session, client, world, outbox
):
    token = api_token(session, world.coordinator, world.partner, Role.COORDINATOR)
    headers = {"Authorization": f"Bearer {token}"}
    item = {"email": ADDRESS, "cohort_id": world.cohort.id}

    def attempt() -> list:
        without_name = client.post("/api/v1/trainees", json={"trainees": [item]}, headers=headers)
        sent = client.post(
            "/api/v1/trainees",
            json={"trainees": [{**item, "name": TYPED_NAME, "date_of_birth": TYPED_BIRTH}]},
            headers=headers,
        )
        listed = client.get("/api/v1/trainees", headers=headers)
        return [visible(r) for r in (without_name, sent, listed)]

    unknown = attempt()
    assert unknown[0][0] == 422
    assert unknown[1][0] == 201
    forget_invitations(session)

    sam = other_partners_trainee(session, world)
    assert attempt() == unknown
    assert_untouched(session, world, sam)
    assert client.get(f"/api/v1/trainees/{sam.id}", headers=headers).status_code == 404


def test_a_free_short_course_does_not_attach_her_either(session, login, world):
    taster = CourseFactory(kind=CourseKind.SHORT_COURSE, title="A first look")
    cohort = curriculum.create_cohort(session, world.partner, taster, "Taster")
    session.commit()
    sam = other_partners_trainee(session, world)
    done = enrol_person(session, cohort, ADDRESS, "Anything", date_of_birth=None, today=TODAY)
    session.commit()
    assert isinstance(done, Invited)
    assert_untouched(session, world, sam)


def test_the_partners_own_people_are_enrolled_at_once(session, world):
    ours = member(world.partner, Role.ASSESSOR, email="ours@example.org", display_name="Our Own")
    done = enrol_person(session, world.cohort, "OURS@example.org", today=TODAY)
    assert isinstance(done, Enrolled)
    assert done.person.id == ours.id
    assert Role.TRAINEE in ours.roles_in(world.partner.id)


# --- her consent ---------------------------------------------------------------------------------


def invite(session, world, outbox, email=ADDRESS) -> str:
    """Invite `email` through the form; the link in the e-mail she receives."""
    done = enrol_person(
        session, world.cohort, email, TYPED_NAME, date_of_birth=date(1991, 3, 3), today=TODAY
    )
    assert isinstance(done, Invited)
    session.commit()
    message = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message.recipient == email
    (link,) = re.findall(r"https?://\S+/invitations/\S+", message.body_text)
    return link.split("alongside.test", 1)[1]


def test_she_joins_only_when_she_accepts_signed_in_as_herself(
    session, client, login, world, outbox
):
    sam = other_partners_trainee(session, world)
    curriculum.withdraw(session, session.scalar(select(Enrolment)))  # free to join elsewhere
    session.commit()
    link = invite(session, world, outbox)

    page = client.get(link)
    assert page.status_code == 200
    assert "sign in" in page.get_data(as_text=True).lower()
    assert client.post(link, data={"answer": "accept"}).status_code in (302, 400, 403)
    assert_not_joined(session, world, sam)

    browser = login(sam)
    page = browser.get(link).get_data(as_text=True)
    assert "Northside" in page
    assert "Spring 2027" in page
    response = browser.post(link, data={"answer": "accept"})
    assert response.status_code == 302
    session.expire_all()
    sam = session.get(User, sam.id)
    assert Role.TRAINEE in sam.roles_in(world.partner.id)
    assert (
        session.scalar(
            select(Enrolment).where(
                Enrolment.user_id == sam.id, Enrolment.organisation_id == world.partner.id
            )
        ).cohort_id
        == world.cohort.id
    )
    assert (sam.display_name, sam.date_of_birth) == (HER_NAME, HER_BIRTH)
    accepted = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "enrolment.invitation_accepted")
    )
    assert (accepted.actor_id, accepted.organisation_id) == (sam.id, world.partner.id)
    # The link is used up.
    assert browser.post(link, data={"answer": "accept"}).status_code == 400


def assert_not_joined(session, world, sam) -> None:
    session.expire_all()
    assert (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.user_id == sam.id, Membership.organisation_id == world.partner.id)
        )
        == 0
    )


def test_she_may_decline_and_nothing_of_hers_is_shared(session, client, login, world, outbox):
    sam = other_partners_trainee(session, world)
    link = invite(session, world, outbox)
    response = client.post(link, data={"answer": "decline"})
    assert response.status_code == 200
    assert_not_joined(session, world, sam)
    invitation = session.scalar(select(EnrolmentInvitation))
    assert invitation.status == InvitationStatus.DECLINED
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "enrolment.invitation_declined")
        )
        == 1
    )
    assert login(sam).post(link, data={"answer": "accept"}).status_code == 400
    assert_not_joined(session, world, sam)


def test_someone_else_signed_in_cannot_accept_for_her(session, login, world, outbox):
    sam = other_partners_trainee(session, world)
    link = invite(session, world, outbox)
    response = login(world.coordinator).post(link, data={"answer": "accept"})
    assert response.status_code == 403
    assert_not_joined(session, world, sam)


def test_a_new_person_chooses_her_password_and_joins(session, client, login, world, outbox):
    link = invite(session, world, outbox, email="new@example.org")
    page = client.get(link).get_data(as_text=True)
    assert TYPED_NAME in page
    response = client.post(
        link,
        data={
            "answer": "accept",
            "display_name": "Nadia New",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    nadia = session.scalar(select(User).where(User.email == "new@example.org"))
    assert nadia.display_name == "Nadia New"
    assert nadia.date_of_birth == "1991-03-03"
    assert nadia.roles_in(world.partner.id) == {Role.TRAINEE}
    assert session.scalar(select(Enrolment).where(Enrolment.user_id == nadia.id)) is not None
    login(nadia, "a long enough passphrase")


def test_an_altered_or_expired_link_is_refused(session, client, world, outbox):
    link = invite(session, world, outbox, email="new@example.org")
    assert client.get(link[:-3] + "abc").status_code == 400
    invitation = session.scalar(select(EnrolmentInvitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_an_invitation_holds_a_seat_until_it_is_withdrawn(session, login, world, outbox):
    world.licence.seats = 1
    session.commit()
    invite(session, world, outbox, email="new@example.org")
    browser = login(world.coordinator)
    cohort_url = f"/organisations/northside/cohorts/{world.cohort.id}"
    response = browser.post(
        cohort_url + "/enrol", data={"email": "second@example.org", "display_name": "Second"}
    )
    assert response.status_code == 400
    assert "not enough seats" in response.get_data(as_text=True)
    page = browser.get(cohort_url).get_data(as_text=True)
    assert "new@example.org" in page
    response = browser.post(cohort_url + "/invitations/withdraw", data={"email": "new@example.org"})
    assert response.status_code == 302
    session.expire_all()
    assert session.scalar(select(EnrolmentInvitation)).status == InvitationStatus.WITHDRAWN
    response = browser.post(
        cohort_url + "/enrol", data={"email": "second@example.org", "display_name": "Second"}
    )
    assert response.status_code == 302


def test_inviting_again_sends_again_and_takes_no_second_seat(session, world, outbox):
    invite(session, world, outbox, email="new@example.org")
    invite(session, world, outbox, email="new@example.org")
    assert session.scalar(select(func.count()).select_from(EnrolmentInvitation)) == 1
    from lms.franchise.licences import seats_used

    assert seats_used(db.session, [world.partner.id]) == {(world.partner.id, world.course.id): 1}


def test_her_empty_date_of_birth_is_not_filled_in_by_another_organisation(session, world):
    sam = member(world.elsewhere, Role.TRAINEE, email=ADDRESS, display_name=HER_NAME)
    done = enrol_person(
        session, world.cohort, ADDRESS, TYPED_NAME, date_of_birth=date(1991, 3, 3), today=TODAY
    )
    session.commit()
    assert isinstance(done, Invited)
    session.expire_all()
    assert session.get(User, sam.id).date_of_birth is None
    assert session.get(User, sam.id).display_name == HER_NAME
