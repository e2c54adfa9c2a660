"""Accounts that cannot be probed or held hostage.

- Sign-in, password reset and the pages invitations open answer alike, byte for byte (CSRF
  tokens and the typed address aside), for addresses with and without an account.
- Guessing from another address, however long, never stops the owner signing in from hers.
- API tokens end with a password change or reset, signing out everywhere and a lost role.
- The second step at sign-in: set up, used, never accepted twice, slowed down like passwords,
  and required of administrators in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from lms.accounts import member_invitations, second_step, throttle
from lms.accounts.authentication import SIGN_IN_FAILED
from lms.accounts.models import MembershipInvitation, SignInThrottle, User, memberships_of
from lms.accounts.operations import make_account_if_new
from lms.accounts.roles import Role
from lms.db import clock_at, utcnow
from lms.errors import DomainError, PermissionDenied
from lms.franchise.enrolment import Invited, enrol_person
from lms.mail.models import OutboxMessage
from tests.factories import (
    FranchisorFactory,
    PartnerFactory,
    api_token,
    licensed_partner,
    member,
)

DEMO_PASSWORD = "correct horse battery"  # what the factories give everyone
NEW_PASSWORD = "a different long passphrase"
PROBES = 4  # addresses with an account, and as many without, on every page


# --- what a prober sees -----------------------------------------------------------------------

_CSRF = re.compile(
    r'(name="csrf_token"[^>]*value=")[^"]*"|(<meta name="csrf-token" content=")[^"]*"'
)


def seen(response, address: str, link: str = "") -> tuple:
    """Everything a response tells: status, where it sends, the body (its CSRF token, the
    address that was typed and the link that was followed left out) and the names of the
    cookies it sets."""
    body = _CSRF.sub(lambda m: (m.group(1) or m.group(2)) + '"', response.get_data(as_text=True))
    location = response.headers.get("Location") or ""
    if link:
        body, location = body.replace(link, "LINK"), location.replace(link, "LINK")
    cookies = sorted(c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie"))
    return (
        response.status_code,
        location.replace(address, "ADDRESS"),
        body.replace(address, "ADDRESS"),
        tuple(cookies),
    )


@dataclass
class Tally:
    """Per page: how many probes, and how many answers told an account from no account."""

    probes: dict[str, int] = field(default_factory=dict)
    told_apart: dict[str, int] = field(default_factory=dict)

    def compare(self, page: str, known: list, unknown: list) -> None:
        self.probes[page] = len(known) + len(unknown)
        self.told_apart[page] = sum(1 for answer in known if answer not in unknown) + sum(
            1 for answer in unknown if answer not in known
        )


def sign_in_probe(app, address: str, client_address: str) -> list:
    """Six sign-ins with a wrong password from one client address: five answered, then a
    wait asked for (the same for every address typed)."""
    client = app.test_client()
    answers = []
    for _ in range(6):
        response = client.post(
            "/login",
            data={"email": address, "password": "not the right one"},
            environ_base={"REMOTE_ADDR": client_address},
        )
        answers.append(seen(response, address))
    return answers


def reset_probe(app, address: str) -> list:
    client = app.test_client()
    return [
        seen(client.get("/password/forgot"), address),
        seen(client.post("/password/forgot", data={"email": address}), address),
    ]


def link_probe(app, link: str, address: str) -> list:
    """Someone holding an invitation's link: the page, then choosing a name and password, then
    the page she is sent to."""
    client = app.test_client()
    answers = [seen(client.get(link), address, link)]
    response = client.post(
        link,
        data={
            "answer": "accept",
            "display_name": "Typed Name",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        },
    )
    answers.append(seen(response, address, link))
    answers.append(seen(client.get(response.headers.get("Location", link)), address, link))
    return answers


def link_in(session, address: str, path: str) -> str:
    message = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient == address)
        .order_by(OutboxMessage.id.desc())
    ).first()
    (link,) = re.findall(rf"https?://\S+/{path}/\S+", message.body_text)
    return link.split("alongside.test", 1)[1]


def test_no_page_tells_whether_an_address_has_an_account(app, session, login, capsys):
    world = licensed_partner(session, seats=50)
    known = [f"known{n}@example.org" for n in range(PROBES)]
    unknown = [f"unknown{n}@example.org" for n in range(PROBES)]
    for address in known:
        member(world.elsewhere, Role.TRAINEE, email=address, display_name="Private Name")
    session.commit()
    coordinator = login(world.coordinator)
    tally = Tally()

    start = utcnow() - timedelta(days=1)
    with clock_at(start):
        answers = {
            a: sign_in_probe(app, a, f"198.51.100.{n}") for n, a in enumerate(known + unknown)
        }
    tally.compare("sign-in", [answers[a] for a in known], [answers[a] for a in unknown])
    assert "please wait 30 seconds" in answers[known[0]][-1][2]
    assert str(SIGN_IN_FAILED) in answers[unknown[0]][0][2]

    answers = {a: reset_probe(app, a) for a in known + unknown}
    tally.compare("password reset", [answers[a] for a in known], [answers[a] for a in unknown])

    today = utcnow().date()
    for address in known + unknown:
        done = enrol_person(
            session, world.cohort, address, "Typed Name", date_of_birth=None, today=today
        )
        assert isinstance(done, Invited)
    session.commit()
    answers = {a: link_probe(app, link_in(session, a, "invitations"), a) for a in known + unknown}
    tally.compare(
        "enrolment invitation", [answers[a] for a in known], [answers[a] for a in unknown]
    )

    # The earlier probes made accounts for the unknown addresses (and so joined them): new
    # unknown addresses for the members page.
    unknown = [f"unknown-too{n}@example.org" for n in range(PROBES)]
    for address in known + unknown:
        response = coordinator.post(
            f"/organisations/{world.partner.slug}/members",
            data={"email": address, "display_name": "Typed Name", "roles": ["assessor"]},
        )
        assert response.status_code == 302
    answers = {a: link_probe(app, link_in(session, a, "join"), a) for a in known + unknown}
    tally.compare("member invitation", [answers[a] for a in known], [answers[a] for a in unknown])

    with capsys.disabled():
        for page, probes in tally.probes.items():
            print(f"\nenumeration: {page}: {probes} probes, {tally.told_apart[page]} told apart")
    assert tally.told_apart == dict.fromkeys(tally.probes, 0)
    # Nothing of the people who have accounts was changed or attached by any of it.
    session.expire_all()
    for address in known:
        person = session.scalar(select(User).where(User.email == address))
        assert {m.organisation_id for m in memberships_of(person)} == {world.elsewhere.id}
        assert person.display_name == "Private Name"


# --- nobody is locked out from elsewhere ------------------------------------------------------


OWNER_ADDRESS = "192.0.2.10"
ATTACKER_ADDRESS = "203.0.113.66"


def attempt(client, email: str, password: str, address: str):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_guessing_from_elsewhere_for_hours_never_locks_the_owner_out(app, session, capsys):
    owner = member(PartnerFactory(), Role.TRAINEE, email="owner@example.org")
    session.commit()
    attacker = app.test_client()
    start = utcnow() - timedelta(hours=9)
    rounds = 6 * 4  # five guesses every fifteen minutes, for six hours
    checked = waited = 0
    for round_ in range(rounds):
        # (Two seconds more each round, so that the outcome never hangs on how many
        # milliseconds a request took against a wait of exactly fifteen minutes.)
        with clock_at(start + round_ * timedelta(minutes=15, seconds=2)):
            for _ in range(5):
                page = attempt(attacker, owner.email, "guess", ATTACKER_ADDRESS).get_data(
                    as_text=True
                )
                checked += str(SIGN_IN_FAILED) in page
                waited += "please wait" in page
            if round_ % 4 == 3:  # every hour the owner signs in from her own address
                her_browser = app.test_client()
                response = attempt(her_browser, owner.email, DEMO_PASSWORD, OWNER_ADDRESS)
                assert response.status_code == 302, f"owner refused after {round_ + 1} rounds"
    with capsys.disabled():
        print(
            f"\nlock-out: {rounds * 5} guesses from another address over six hours: "
            f"{checked} checked, {waited} asked to wait; the owner signed in every hour"
        )
    assert checked + waited == rounds * 5
    assert checked == 5 + (rounds - 1)  # five at first, then one in each quarter hour
    # Her password still works from the attacker's address too, once its wait is over: the
    # account itself was never locked.
    with clock_at(start + rounds * timedelta(minutes=15, seconds=2) + timedelta(minutes=16)):
        assert (
            attempt(app.test_client(), owner.email, DEMO_PASSWORD, ATTACKER_ADDRESS).status_code
            == 302
        )


@pytest.mark.parametrize("config_overrides", [{"PROXY_COUNT": 1}])
def test_behind_a_proxy_the_client_address_is_the_one_it_passes_on(app, session):
    owner = member(PartnerFactory(), Role.TRAINEE, email="owner@example.org")
    session.commit()

    def through_proxy(client_address: str, password: str):
        return app.test_client().post(
            "/login",
            data={"email": owner.email, "password": password},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
            headers={"X-Forwarded-For": client_address},
        )

    for _ in range(6):
        through_proxy(ATTACKER_ADDRESS, "guess")
    assert "please wait" in through_proxy(ATTACKER_ADDRESS, DEMO_PASSWORD).get_data(as_text=True)
    assert through_proxy(OWNER_ADDRESS, DEMO_PASSWORD).status_code == 302


def test_a_reset_link_lifts_every_wait_on_her_account(app, client, session, outbox):
    owner = member(PartnerFactory(), Role.TRAINEE, email="owner@example.org")
    session.commit()
    for _ in range(8):
        attempt(app.test_client(), owner.email, "guess", ATTACKER_ADDRESS)
        attempt(app.test_client(), owner.email, "my typo", OWNER_ADDRESS)
    assert "please wait" in attempt(client, owner.email, DEMO_PASSWORD, OWNER_ADDRESS).get_data(
        as_text=True
    )
    client.post("/password/forgot", data={"email": owner.email}).close()  # sent once closed
    (link,) = re.findall(r"https?://\S+/password/reset/\S+", outbox[-1].body)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    session.expire_all()
    assert session.scalars(select(SignInThrottle.email_digest)).all() == ["", ""]  # addresses only
    assert attempt(client, owner.email, NEW_PASSWORD, OWNER_ADDRESS).status_code == 302


def test_unknown_addresses_are_slowed_down_exactly_like_known_ones(app, session):
    member(PartnerFactory(), Role.TRAINEE, email="owner@example.org")
    session.commit()
    start = utcnow() - timedelta(hours=1)
    answers = []
    for address in ("owner@example.org", "nobody@example.org"):
        with clock_at(start):
            for _ in range(5):
                attempt(app.test_client(), address, "guess", f"198.51.100.{len(address)}")
            page = attempt(app.test_client(), address, "guess", f"198.51.100.{len(address)}")
            answers.append(seen(page, address))
    assert answers[0] == answers[1]
    assert "please wait 30 seconds" in answers[0][2]


# --- API tokens end with what vouched for them ------------------------------------------------


@pytest.fixture
def coordinator_with_token(session):
    world = licensed_partner(session, seats=5)
    raw = api_token(session, world.coordinator, world.partner, Role.COORDINATOR)
    return world, raw


def api_status(client, raw: str) -> int:
    return client.get("/api/v1/cohorts", headers={"Authorization": f"Bearer {raw}"}).status_code


def test_a_token_ends_when_her_password_changes(client, login, coordinator_with_token):
    world, raw = coordinator_with_token
    assert api_status(client, raw) == 200
    browser = login(world.coordinator)
    response = browser.post(
        "/account/password",
        data={"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert api_status(client, raw) == 401
    # A token made afterwards works.
    page = browser.get("/account/api-tokens").get_data(as_text=True)
    assert "Ended: your password changed or you signed out everywhere" in page


def test_a_token_ends_when_she_signs_out_everywhere(client, login, coordinator_with_token):
    world, raw = coordinator_with_token
    assert api_status(client, raw) == 200
    assert login(world.coordinator).post("/account/sign-out-everywhere").status_code == 302
    assert api_status(client, raw) == 401


def test_a_token_ends_when_she_loses_the_role(client, login, session, coordinator_with_token):
    world, raw = coordinator_with_token
    assert api_status(client, raw) == 200
    admin = login(world.admin)
    response = admin.post(
        f"/organisations/{world.partner.slug}/members/{world.coordinator.id}/roles/coordinator/remove"
    )
    assert response.status_code == 302
    assert api_status(client, raw) == 401


def test_a_token_ends_when_her_password_is_reset(client, outbox, session, coordinator_with_token):
    world, raw = coordinator_with_token
    assert api_status(client, raw) == 200
    client.post("/password/forgot", data={"email": world.coordinator.email}).close()
    (link,) = re.findall(r"https?://\S+/password/reset/\S+", outbox[-1].body)
    assert (
        client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )
    assert api_status(client, raw) == 401
    session.expire_all()
    fresh = api_token(
        session, session.get(User, world.coordinator.id), world.partner, Role.COORDINATOR
    )
    assert api_status(client, fresh) == 200


# --- the second step --------------------------------------------------------------------------


def aligned(moment: datetime) -> datetime:
    """Five seconds into a 30-second time step, so a code stays current while a test runs."""
    seconds = int(moment.timestamp()) // 30 * 30 + 5
    return datetime.fromtimestamp(seconds, UTC)


def set_up_second_step(browser) -> tuple[pyotp.TOTP, list[str]]:
    """Through the pages, as she does it: the secret read from the page, a first code."""
    assert "Set up the second step" in browser.get("/account/second-step").get_data(as_text=True)
    assert browser.post("/account/second-step/start").status_code == 302
    page = browser.get("/account/second-step").get_data(as_text=True)
    assert "<svg" in page  # the QR code, made here
    (grouped,) = re.findall(r'<p class="token-once"><code>([A-Z2-7 ]+)</code>', page)
    totp = pyotp.TOTP(grouped.replace(" ", ""))
    response = browser.post("/account/second-step/confirm", data={"code": totp.at(utcnow())})
    assert response.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    return totp, codes


def sign_in(app, user, password: str = DEMO_PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": password})
    return client, response


def test_the_second_step_is_asked_for_and_a_code_is_accepted_once(app, session, login):
    assessor = member(PartnerFactory(), Role.ASSESSOR)
    session.commit()
    moment = aligned(utcnow() - timedelta(hours=2))
    with clock_at(moment):
        totp, _ = set_up_second_step(login(assessor))
    with clock_at(moment + timedelta(minutes=1)):
        browser, response = sign_in(app, assessor)
        assert response.headers["Location"] == "/login/second-step"
        assert browser.get("/account").status_code == 302  # not signed in yet
        assert browser.post("/login/second-step", data={"code": "000000"}).status_code == 400
        code = totp.at(utcnow())
        assert browser.post("/login/second-step", data={"code": code}).status_code == 302
        assert browser.get("/account").status_code == 200

        again, _ = sign_in(app, assessor)
        response = again.post("/login/second-step", data={"code": code})
        assert response.status_code == 400  # the same code, replayed
        assert "That code did not work" in response.get_data(as_text=True)
    with clock_at(moment + timedelta(minutes=2)):
        assert again.post("/login/second-step", data={"code": totp.at(utcnow())}).status_code == 302


def test_a_recovery_code_works_once(app, session, login):
    coordinator = member(PartnerFactory(), Role.COORDINATOR)
    session.commit()
    _, codes = set_up_second_step(login(coordinator))
    browser, _ = sign_in(app, coordinator)
    assert browser.post("/login/second-step", data={"code": codes[3]}).status_code == 302
    browser, _ = sign_in(app, coordinator)
    assert browser.post("/login/second-step", data={"code": codes[3]}).status_code == 400
    assert browser.post("/login/second-step", data={"code": codes[4].upper()}).status_code == 302
    assert "8 unused recovery codes" in browser.get("/account/second-step").get_data(as_text=True)


def test_wrong_codes_are_slowed_down_like_passwords(app, session, login):
    iqa = member(PartnerFactory(), Role.IQA)
    session.commit()
    moment = aligned(utcnow() - timedelta(hours=1))
    with clock_at(moment):
        totp, _ = set_up_second_step(login(iqa))
    with clock_at(moment + timedelta(minutes=1)):
        browser, _ = sign_in(app, iqa)
        for _ in range(5):
            assert browser.post("/login/second-step", data={"code": "123456"}).status_code == 400
        response = browser.post("/login/second-step", data={"code": totp.at(utcnow())})
        assert response.status_code == 400
        assert "please wait 30 seconds" in response.get_data(as_text=True)
    with clock_at(moment + timedelta(minutes=1, seconds=40)):
        browser, _ = sign_in(app, iqa)
        assert (
            browser.post("/login/second-step", data={"code": totp.at(utcnow())}).status_code == 302
        )


def test_trainees_are_not_offered_the_second_step(session, login):
    trainee = member(PartnerFactory(), Role.TRAINEE)
    session.commit()
    browser = login(trainee)
    assert "Second step" not in browser.get("/account").get_data(as_text=True)
    assert browser.get("/account/second-step").status_code == 403


@pytest.mark.parametrize("config_overrides", [{"ENVIRONMENT": "production"}])
def test_in_production_administrators_set_it_up_before_anything_else(app, session, login):
    franchisor = FranchisorFactory()
    admin = member(franchisor, Role.ADMIN)
    coordinator = member(PartnerFactory(franchisor=franchisor), Role.COORDINATOR)
    session.commit()
    browser = login(admin)
    for page in ("/", "/admin/", "/account"):
        response = browser.get(page)
        assert response.status_code == 302
        assert response.headers["Location"] == "/account/second-step"
    set_up_second_step(browser)
    assert browser.get("/admin/").status_code == 200
    page = browser.get("/account/second-step").get_data(as_text=True)
    assert "cannot be turned off" in page
    browser.post("/account/second-step/off", data={"password": DEMO_PASSWORD})
    session.expire_all()
    assert session.get(User, admin.id).totp_confirmed_at is not None
    # Staff who are not administrators may go without it.
    assert login(coordinator).get("/").status_code == 200


def test_she_may_turn_it_off_with_her_password(session, login, app):
    assessor = member(PartnerFactory(), Role.ASSESSOR)
    session.commit()
    browser = login(assessor)
    set_up_second_step(browser)
    browser.post("/account/second-step/off", data={"password": "not it"})
    session.expire_all()
    assert session.get(User, assessor.id).totp_confirmed_at is not None
    browser.post("/account/second-step/off", data={"password": DEMO_PASSWORD})
    _, response = sign_in(app, assessor)
    assert response.headers["Location"] == "/"


def test_the_second_step_can_be_removed_at_the_command_line_for_a_lost_phone(
    app, session, login, runner
):
    assessor = member(PartnerFactory(), Role.ASSESSOR, email="lost@example.org")
    session.commit()
    set_up_second_step(login(assessor))
    session.expire_all()
    result = runner.invoke(args=["users", "remove-second-step", "lost@example.org"])
    assert result.exit_code == 0, result.output
    _, response = sign_in(app, assessor)
    assert response.headers["Location"] == "/"
    again = runner.invoke(args=["users", "remove-second-step", "lost@example.org"])
    assert again.exit_code != 0
    assert "no second step" in again.output


# --- the domain functions on their own ----------------------------------------------------------


def test_the_wait_doubles_after_the_free_failures_up_to_the_longest():
    limits = throttle.Limits(free=5)
    waits = [limits.wait_after(n).total_seconds() for n in range(4, 12)]
    assert waits == [0, 30, 60, 120, 240, 480, 900, 900]


def test_counts_are_kept_per_client_address_and_per_address_typed_from_it(session):
    policy = throttle.Policy(
        per_address=throttle.Limits(free=3), per_account=throttle.Limits(free=2)
    )
    now = utcnow()
    for _ in range(2):
        throttle.count_failure(
            session, throttle.SIGN_IN, "203.0.113.1", "her@example.org", now, policy
        )
    wait = throttle.required_wait(session, throttle.SIGN_IN, "203.0.113.1", "HER@example.org ", now)
    assert wait == timedelta(seconds=30)
    # From her own address, and for anyone else from the guesser's, nothing to wait for yet.
    assert not throttle.required_wait(
        session, throttle.SIGN_IN, "192.0.2.1", "her@example.org", now
    )
    assert not throttle.required_wait(
        session, throttle.SIGN_IN, "203.0.113.1", "other@example.org", now
    )
    throttle.count_failure(
        session, throttle.SIGN_IN, "203.0.113.1", "other@example.org", now, policy
    )
    # Three failures from that client address in all: now everyone typed there waits.
    assert throttle.required_wait(
        session, throttle.SIGN_IN, "203.0.113.1", "third@example.org", now
    )
    # A day after the last failure the count starts again.
    later = now + timedelta(hours=25)
    throttle.count_failure(
        session, throttle.SIGN_IN, "203.0.113.1", "her@example.org", later, policy
    )
    assert not throttle.required_wait(
        session, throttle.SIGN_IN, "203.0.113.1", "her@example.org", later
    )
    throttle.clear_everywhere(session, "her@example.org")
    # (Looking, without then checking a password, made rows with no failures to lock.)
    assert session.scalars(
        select(SignInThrottle.email_digest)
        .where(SignInThrottle.failures > 0)
        .order_by(SignInThrottle.id)
    ).all() == [
        "",
        throttle.digest("other@example.org"),
    ]


def test_choosing_a_password_for_an_address_with_an_account_changes_nothing(session):
    person = member(PartnerFactory(), Role.TRAINEE, email="kim@example.org", display_name="Kim")
    session.commit()
    before = person.password_hash
    assert (
        make_account_if_new(session, "Kim@example.org", "Someone", "a long enough phrase") is None
    )
    assert (person.display_name, person.password_hash) == ("Kim", before)
    with pytest.raises(DomainError, match="at least 10"):
        make_account_if_new(session, "kim@example.org", "Someone", "short")
    with pytest.raises(DomainError, match="at least 10"):
        make_account_if_new(session, "new@example.org", "Someone", "short")
    made = make_account_if_new(session, "new@example.org", "Someone", "a long enough phrase")
    assert made.email == "new@example.org"


def test_another_organisations_person_is_invited_not_attached(app, session):
    franchisor = FranchisorFactory()
    here = PartnerFactory(franchisor=franchisor)
    kim = member(PartnerFactory(franchisor=franchisor), Role.ASSESSOR, email="kim@example.org")
    colleague = member(here, Role.ASSESSOR, email="colleague@example.org")
    session.commit()
    with app.test_request_context():
        invited = member_invitations.add_or_invite(
            session, here, "kim@example.org", "K", [Role.IQA]
        )
        assert isinstance(invited, MembershipInvitation)
        assert kim.roles == {Role.ASSESSOR}
        assert (
            member_invitations.add_or_invite(
                session, here, "colleague@example.org", None, [Role.IQA]
            )
            == colleague
        )
        assert colleague.roles_in(here.id) == {Role.ASSESSOR, Role.IQA}
        with pytest.raises(DomainError, match="give their name"):
            member_invitations.add_or_invite(session, here, "x@example.org", "", [Role.IQA])
        with pytest.raises(PermissionDenied):
            member_invitations.accept(session, invited, colleague)
        member_invitations.accept(session, invited, kim)
        assert kim.roles_in(here.id) == {Role.IQA}
        with pytest.raises(DomainError, match="already been accepted"):
            member_invitations.accept(session, invited, kim)


def test_a_code_from_the_app_is_accepted_once_and_a_recovery_code_once(session):
    assessor = member(PartnerFactory(), Role.ASSESSOR)
    session.commit()
    policy = throttle.policy_from_config(
        {"LOGIN_FREE_FAILURES": 5, "LOGIN_ADDRESS_FREE_FAILURES": 20, "LOGIN_MAX_WAIT_SECONDS": 900}
    )
    moment = aligned(utcnow() - timedelta(hours=1))
    with clock_at(moment):
        second_step.start_setup(session, assessor)
        totp = pyotp.TOTP(assessor.totp_secret)
        codes = second_step.confirm_setup(session, assessor, totp.at(utcnow()))
        assert second_step.is_on(assessor)
    with clock_at(moment + timedelta(seconds=30)):
        code = totp.at(utcnow())
        second_step.verify(session, assessor, code, address="192.0.2.1", policy=policy)
        with pytest.raises(DomainError, match="did not work"):
            second_step.verify(session, assessor, code, address="192.0.2.1", policy=policy)
    second_step.verify(session, assessor, codes[0], address="192.0.2.1", policy=policy)
    with pytest.raises(DomainError, match="did not work"):
        second_step.verify(session, assessor, codes[0], address="192.0.2.1", policy=policy)
    assert second_step.recovery_codes_left(session, assessor) == 9
