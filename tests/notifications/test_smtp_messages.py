"""The messages as they arrive at a real SMTP server (aiosmtpd on a free loopback port), read
back with the `email` package: plain text and HTML as alternatives, a neutral subject and
sender, the recipient's language and her organisation's time zone, and, for every kind of
notification, no more than that something is waiting."""

from __future__ import annotations

import email
import re
import socket
from datetime import timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import get_domain
from sqlalchemy import select

from lms import PROJECT_ROOT
from lms.accounts import member_invitations
from lms.accounts.invitations import send_invitation, send_password_reset
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.assessment import operations as assessment
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.db import clock_at, utcnow
from lms.notifications import kinds, operations
from lms.notifications.digests import send_digests
from lms.notifications.models import Delivery, Notification
from lms.portfolio import operations as portfolio
from lms.portfolio import witnesses
from lms.portfolio.models import EvidenceType
from lms.privacy.wording import revealing_words
from tests.factories import PartnerFactory, add_evidence, assessment_setting, member
from tests.notifications import PARAMS

ZONE = "Europe/Madrid"


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """An SMTP server on a free loopback port for the test, stopped at its end."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def catalogues(tmp_path_factory):
    """The catalogues compiled, as the app reads them."""
    directory = tmp_path_factory.mktemp("translations")
    for code in ("ca", "es", "bs"):
        source = PROJECT_ROOT / "translations" / code / "LC_MESSAGES" / "messages.po"
        target = directory / code / "LC_MESSAGES"
        target.mkdir(parents=True)
        with source.open("rb") as po, (target / "messages.mo").open("wb") as mo:
            write_mo(mo, read_po(po, locale=code))
    return directory


@pytest.fixture(autouse=True)
def _fresh_catalogues(app):
    """Flask-Babel keeps the catalogues it loaded for the process: start and end with none."""
    with app.app_context():
        get_domain().cache.clear()
    yield
    with app.app_context():
        get_domain().cache.clear()


@pytest.fixture
def config_overrides(smtp_server, catalogues):
    controller, _ = smtp_server
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "MAIL_USE_TLS": False,
        "MAIL_TIMEOUT": 5,
        "BABEL_TRANSLATION_DIRECTORIES": str(catalogues),
        "DISPLAY_TIMEZONE": ZONE,
    }


def _catalan(user):
    # Her language (the account's `locale`, where she has chosen one).
    user.locale = "ca"
    return user


def _parts(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in message.iter_parts()]
    assert types == ["text/plain", "text/html"]
    plain, html = (part.get_content().replace("\r\n", "\n") for part in message.iter_parts())
    return plain, html


def _check_html(html: str, lang: str) -> None:
    assert html.startswith("<!doctype html>")
    assert f'<html lang="{lang}">' in html
    assert 'role="article"' in html
    for unsafe in ("<img", "<script", "<style", "<link", "src=", "url("):
        assert unsafe not in html


def _neutral_sender(message, app) -> None:
    sender = message["From"]
    assert sender.addresses[0].display_name == "Alongside"
    assert revealing_words(str(sender)) == []
    assert revealing_words(message["Subject"]) == []


def _send(runner) -> None:
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output


def test_her_messages_arrive_in_her_language_and_the_assessors_in_his(
    app, session, runner, smtp_server
):
    _, inbox = smtp_server
    setting = assessment_setting()
    add_evidence(setting, setting.criteria())
    _catalan(setting.trainee)
    session.commit()
    submission = portfolio.submit_unit(
        session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    session.commit()
    assessment.judge(
        session,
        submission,
        setting.assessor,
        expected_version=submission.state_version,
        outcome=Outcome.REFERRED,
        verdicts={c.id: Verdict(False, "More, please.") for c in setting.criteria()},
        actions="Add an example of an ending.",
    )
    session.commit()
    _send(runner)

    by_recipient = {}
    for message in inbox.messages():
        by_recipient.setdefault(message["To"].addresses[0].addr_spec, []).append(message)
    hers = by_recipient[setting.trainee.email]
    assert len(hers) == 2  # it arrived; it has been looked at
    for message in hers:
        _neutral_sender(message, app)
        assert message["Subject"] == "Tens un missatge nou"
        plain, html = _parts(message)
        assert plain.startswith(f"Hola, {setting.trainee.display_name}:")
        assert "Tens novetats sobre la teva feina." in plain
        assert "Inicia la sessió per veure-ho, quan et vagi bé:" in plain
        assert re.search(r"^https?://[^/\s]+/portfolio/\d+/submissions/\d+$", plain, re.M)
        _check_html(html, "ca")
        assert "Tens novetats sobre la teva feina." in html
        for private in (setting.unit.code, "More, please.", "ending", setting.course.title):
            assert private not in plain
            assert private not in html
    [his] = by_recipient[setting.assessor.email]
    assert his["Subject"] == "Something is waiting for you"
    plain, html = _parts(his)
    assert "Something is waiting for you to look at." in plain
    assert setting.unit.code not in plain
    _check_html(html, "en-GB")


@pytest.mark.parametrize("kind_name", sorted(kinds.CATALOGUE))
def test_every_kind_of_notice_says_only_that_something_waits(
    app, session, runner, smtp_server, kind_name
):
    _, inbox = smtp_server
    kind = kinds.CATALOGUE[kind_name]
    english = member(PartnerFactory(), Role.ASSESSOR)
    catalan = _catalan(member(PartnerFactory(), Role.TRAINEE))
    session.commit()
    for user in (english, catalan):
        operations.notify(session, user, kind_name, url="/notifications", **PARAMS)
    session.commit()
    # The in-app text, in either language, is written from the same parameters.
    assert all(n.params == PARAMS for n in session.scalars(select(Notification)))
    _send(runner)

    for message in inbox.messages():
        _neutral_sender(message, app)
        plain, html = _parts(message)
        is_catalan = message["To"].addresses[0].addr_spec == catalan.email
        if not is_catalan:
            assert message["Subject"] == str(kind.subject)
            assert str(kind.lead) in plain
        assert re.search(r"^https?://[^/\s]+/notifications$", plain, re.M)
        _check_html(html, "ca" if is_catalan else "en-GB")
        # Nothing from the notification's text: no code, name, title, course or date.
        for value in ("MEN-101", "Reflective", "Partner A", "Level 3", "2027", "2026"):
            assert value not in plain
            assert value not in html
    subjects = {m["To"].addresses[0].addr_spec: m["Subject"] for m in inbox.messages()}
    assert set(subjects) == {english.email, catalan.email}
    assert subjects[catalan.email] != subjects[english.email]  # translated


def test_a_catalan_digest_lists_her_news_at_her_times(app, session, runner, smtp_server):
    _, inbox = smtp_server
    trainee = _catalan(member(PartnerFactory(time_zone="Europe/Madrid"), Role.TRAINEE))
    operations.set_delivery(session, trainee, Delivery.DAILY)
    session.commit()
    moment = utcnow().replace(microsecond=0) - timedelta(hours=3)
    with clock_at(moment):
        operations.notify(session, trainee, "unit.achieved", url="/portfolio/1", unit="MEN-101")
        operations.notify(session, trainee, "award.made", url="/my/achievements")
    session.commit()
    send_digests(session)
    session.commit()
    _send(runner)

    [message] = inbox.messages()
    _neutral_sender(message, app)
    assert message["Subject"] == "Els teus missatges"
    plain, html = _parts(message)
    assert "Tens 2 missatges nous:" in plain
    assert "MEN-101 té la validació final" in plain
    assert "T'han atorgat la qualificació." in plain
    # Her time, in her organisation's zone and named with it, written as Catalan writes it.
    madrid = ZoneInfo("Europe/Madrid")
    day = babel_date(moment.astimezone(madrid).date(), "long", locale="ca")
    local = f"{babel_time(moment, 'short', tzinfo=madrid, locale='ca')} CET"
    for text in (plain, html):
        assert day in text
        assert local in text
    assert re.search(r"^  https?://[^/\s]+/portfolio/1$", plain, re.M)
    _check_html(html, "ca")
    assert re.search(r'<a href="https?://[^/"]+/my/achievements"', html)


# --- messages about her account: invitations, a new password, a witness's link ----------------

# An organisation whose name says what it does: no message to a person may carry it.
REVEALING_NAME = "Safe Haven Women's Aid"


def _one_message(inbox, runner, address):
    _send(runner)
    [message] = [m for m in inbox.messages() if m["To"].addresses[0].addr_spec == address]
    return message


def _plain_and_checked(message, app, lang):
    _neutral_sender(message, app)
    plain, html = _parts(message)
    _check_html(html, lang)
    for text in (plain, html):
        assert REVEALING_NAME not in text
        assert revealing_words(text) == []
    return plain, html


def test_an_invitation_is_written_in_the_language_of_whoever_invites_her(
    app, session, runner, smtp_server
):
    _, inbox = smtp_server
    organisation = PartnerFactory(name=REVEALING_NAME)
    session.commit()
    newcomer = create_user(session, "nuria@example.org", "Núria Puig")
    # The coordinator reads the site in Spanish; the newcomer has chosen nothing yet.
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        send_invitation(session, newcomer, organisation)
    session.commit()

    message = _one_message(inbox, runner, "nuria@example.org")
    assert message["Subject"] == "Tienes una invitación en Alongside"
    plain, html = _plain_and_checked(message, app, "es")
    assert plain.startswith("Hola, Núria Puig:")
    assert "Funciona una sola vez, durante 7 días:" in plain
    assert re.search(r"^https?://[^/\s]+/password/reset/\S+$", plain, re.M)
    assert plain.rstrip().endswith("Alongside")
    assert "Funciona una sola vez, durante 7 días:" in html


def test_a_new_password_link_reaches_her_in_her_own_language_whoever_asks(
    app, session, runner, smtp_server
):
    _, inbox = smtp_server
    trainee = member(PartnerFactory(name=REVEALING_NAME), Role.TRAINEE, locale="bs")
    session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        send_password_reset(session, trainee.email)
    session.commit()

    message = _one_message(inbox, runner, trainee.email)
    assert message["Subject"] == "Postavite novu lozinku za Alongside"
    plain, _ = _plain_and_checked(message, app, "bs")
    assert "Iskoristite ovaj link u naredna 2 sata. Radi samo jednom:" in plain
    assert "vaša lozinka nije promijenjena" in plain


@pytest.mark.parametrize(
    ("known_locale", "expected_lang", "expected_subject"),
    [
        ("ca", "ca", "Tens una invitació a Alongside"),
        (None, "en-GB", "You are invited to Alongside"),
    ],
)
def test_an_invitation_to_join_names_neither_who_invites_nor_to_what(
    app, session, runner, smtp_server, known_locale, expected_lang, expected_subject
):
    """To an address with an account, in her language; to a new one, in the inviter's."""
    _, inbox = smtp_server
    organisation = PartnerFactory(name=REVEALING_NAME)
    address = "laia@example.org"
    if known_locale:
        member(PartnerFactory(), Role.TRAINEE, email=address, locale=known_locale)
    session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        member_invitations.invite(session, organisation, address, "Laia", [Role.ASSESSOR])
    session.commit()

    message = _one_message(inbox, runner, address)
    assert message["Subject"] == expected_subject
    plain, _ = _plain_and_checked(message, app, expected_lang)
    assert "ssessor" not in plain  # the roles are on the page the link opens
    assert re.search(r"^https?://[^/\s]+/\S+$", plain, re.M)


def test_a_witness_is_written_to_in_the_trainees_language(app, session, runner, smtp_server):
    _, inbox = smtp_server
    setting = assessment_setting(PartnerFactory(name=REVEALING_NAME))
    evidence = add_evidence(
        setting, setting.criteria()[:1], evidence_type=EvidenceType.WITNESS_TESTIMONY
    )
    evidence.description = "She ran the weekly drop-in with care."
    session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        witnesses.ask_witness(
            session,
            evidence,
            setting.trainee,
            name="Mara Lind",
            role="supervisora",
            email="mara@example.org",
            trainee_name=setting.trainee.display_name,
        )
    session.commit()

    message = _one_message(inbox, runner, "mara@example.org")
    assert message["Subject"] == "Confirma una declaración"
    plain, _ = _plain_and_checked(message, app, "es")
    assert plain.startswith("Hola, Mara Lind:")
    assert f"{setting.trainee.display_name} ha escrito una breve declaración" in plain
    assert "weekly drop-in" not in plain  # the statement is read behind the link
