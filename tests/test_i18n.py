"""Languages and time zones: who reads what language, in which zone, and how dates, times and
lists are written in each."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import flask_babel
import pytest
from flask_login import login_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from lms import i18n
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.core import settings
from lms.core.translations import TRANSLATED, catalogue_path, compile_all
from lms.db import clock_at
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import LANGUAGE_COOKIE
from lms.web import same_site_path
from tests.factories import FranchisorFactory, PartnerFactory, member

MOMENT = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)


@pytest.fixture
def config_overrides(tmp_path):
    """The catalogues compiled for this test (the .mo files are built, never committed)."""
    root = tmp_path / "translations"
    for code in TRANSLATED:
        target = catalogue_path(code, root)
        target.parent.mkdir(parents=True)
        target.write_bytes(catalogue_path(code).read_bytes())
    assert compile_all(root=root) == []
    return {"BABEL_TRANSLATION_DIRECTORIES": str(root)}


def _accept(header: str) -> LanguageAccept:
    return parse_accept_header(header, LanguageAccept)


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


# --- the languages and the order they are chosen in --------------------------------------------


def test_four_languages_each_named_in_itself():
    assert [(lang.code, lang.name) for lang in i18n.LANGUAGES] == [
        ("en", "English"),
        ("ca", "Català"),
        ("es", "Español"),
        ("bs", "Bosanski"),
    ]
    # English keeps its code and is written the British way.
    assert i18n.language("en").locale == "en_GB"
    assert i18n.language("en").tag == "en-GB"
    assert i18n.language("xx").code == "en"


def test_her_choice_beats_the_cookie_which_beats_the_browser():
    browser = _accept("bs,es;q=0.8")
    assert i18n.choose_language("ca", "es", browser) == "ca"
    assert i18n.choose_language(None, "es", browser) == "es"
    assert i18n.choose_language(None, None, browser) == "bs"
    assert i18n.choose_language(None, "klingon", _accept("es-ES,en;q=0.5")) == "es"
    assert i18n.choose_language(None, None, _accept("fr,de")) == "en"
    assert i18n.choose_language(None, None, None) == "en"


def test_html_lang_follows_the_browser(client):
    page = client.get("/")
    assert _lang(page) == "en-GB"
    assert {"Accept-Language", "Cookie"} <= set(page.vary)
    for header, tag in (("ca", "ca"), ("es-ES,es;q=0.9", "es"), ("bs", "bs"), ("fr", "en-GB")):
        assert _lang(client.get("/", headers={"Accept-Language": header})) == tag, header


def test_the_menu_signed_out_keeps_the_choice_in_a_cookie(client):
    page = client.get("/", headers={"Accept-Language": "en"})
    assert 'action="/language"' in page.get_data(as_text=True)
    response = client.post("/language", data={"language": "es", "next": "/password/forgot"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/password/forgot"
    cookie = client.get_cookie(LANGUAGE_COOKIE, domain="alongside.test")
    assert cookie.value == "es"
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    following = client.get("/password/forgot", headers={"Accept-Language": "bs"})
    assert _lang(following) == "es"
    # The message after the change is already in the language chosen.
    assert "Se ha cambiado el idioma." in following.get_data(as_text=True)


def test_the_menu_signed_in_saves_her_choice(app, signed_in):
    trainee = member(PartnerFactory(), Role.TRAINEE)
    client = signed_in(trainee)
    response = client.post("/language", data={"language": "bs", "next": "/account"})
    assert response.headers["Location"] == "/account"
    with app.app_context():
        assert db.session.get(User, trainee.id).locale == "bs"
    # In another browser, with another cookie and another language asked for, hers wins.
    elsewhere = signed_in(trainee)
    elsewhere.set_cookie(LANGUAGE_COOKIE, "ca", domain="alongside.test")
    page = elsewhere.get("/account", headers={"Accept-Language": "es"})
    assert _lang(page) == "bs"
    assert "Jezik" in page.get_data(as_text=True)  # the account page offers the choice too
    assert 'id="account-language"' in page.get_data(as_text=True)


def test_the_cookie_beats_the_browser_over_http(client):
    client.set_cookie(LANGUAGE_COOKIE, "ca", domain="alongside.test")
    page = client.get("/", headers={"Accept-Language": "es"})
    assert _lang(page) == "ca"
    assert "Vés al contingut principal" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "//elsewhere.example/x",
        "https://elsewhere.example/",
        "/\\elsewhere.example",
        "javascript:alert(1)",
        "account",
        "/a\r\nLocation: https://elsewhere.example",
    ],
)
def test_a_next_outside_the_site_is_refused(client, target):
    response = client.post("/language", data={"language": "ca", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert same_site_path(target) is None


def test_a_same_site_next_is_kept():
    assert same_site_path("/account?tab=1") == "/account?tab=1"
    assert same_site_path(None) is None


def test_a_language_not_offered_is_refused(app, client, session):
    assert client.post("/language", data={"language": "xx"}).status_code == 400
    person = member(PartnerFactory())
    with pytest.raises(DomainError):
        settings.set_language(session, person, "xx")
    settings.set_language(session, person, None)
    assert person.locale is None


# --- time zones ---------------------------------------------------------------------------------


def test_an_organisation_in_sarajevo_reads_times_in_cet_with_the_zone_named(
    app, session, count_queries
):
    partner = PartnerFactory(time_zone="Europe/Sarajevo")
    trainee = member(partner, Role.TRAINEE)
    # As a request loads her: with her memberships and their organisations.
    user = session.scalar(
        select(User).where(User.id == trainee.id).options(selectinload(User.memberships))
    )
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        login_user(user)
        with count_queries() as counter:
            assert i18n.format_datetime(MOMENT) == "1 December 2026, 15:05 CET"
            assert i18n.format_time(MOMENT) == "15:05"
        assert counter.count == 0  # her organisation came with her memberships
        assert app.jinja_env.filters["local_time"](MOMENT) == "1 December 2026, 15:05 CET"
    with app.test_request_context("/", headers={"Accept-Language": "ca"}):
        flask_babel.refresh()  # the test's application context outlives each request's
        login_user(user)
        assert i18n.format_datetime(MOMENT) == "1 de desembre del 2026, 15:05 CET"
        # A day late in the evening in London is the next day in Sarajevo.
        late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
        assert i18n.format_date(late) == "2 de desembre del 2026"


def test_without_an_organisation_times_are_in_the_display_time_zone(app):
    with app.test_request_context("/"):
        assert i18n.format_datetime(MOMENT) == "1 December 2026, 14:05 GMT"
        summer = datetime(2026, 7, 1, 14, 5, tzinfo=UTC)
        assert i18n.format_datetime(summer) == "1 July 2026, 15:05 BST"


def test_outside_an_application_english_and_utc():
    assert i18n.format_datetime(MOMENT) == "1 December 2026, 14:05 UTC"
    assert i18n.format_date(date(2026, 12, 7)) == "7 December 2026"
    assert i18n.format_list(["a", "b", "c"]) == "a, b and c"


def test_the_time_zone_is_checked_and_its_change_audited(session):
    partner = PartnerFactory()
    assert partner.time_zone == "Europe/London"
    with pytest.raises(DomainError) as refused:
        settings.set_time_zone(session, partner, "Europe/Atlantis")
    assert refused.value.field == "time_zone"
    settings.set_time_zone(session, partner, "Europe/Madrid")
    assert partner.time_zone == "Europe/Madrid"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.time_zone_changed")
    ).one()
    assert event.detail == {"before": "Europe/London", "after": "Europe/Madrid"}


def test_an_administrator_sets_the_time_zone_and_sees_the_time_in_her_language(app, signed_in):
    franchisor = FranchisorFactory()
    partner = PartnerFactory(franchisor=franchisor)
    admin = signed_in(member(franchisor, Role.ADMIN, locale="ca"))
    url = f"/organisations/{partner.slug}/time-zone"
    assert f'href="{url}"' in admin.get("/admin/").get_data(as_text=True)
    page = admin.get(url).get_data(as_text=True)
    assert '<option selected value="Europe/London">' in page
    assert "Zona horària" in page
    refused = admin.post(url, data={"time_zone": "Nowhere/Town"})
    assert refused.status_code == 400
    assert "Tria una zona horària de la llista." in refused.get_data(as_text=True)
    assert admin.post(url, data={"time_zone": "Europe/Sarajevo"}).status_code == 302
    with clock_at(MOMENT):
        page = admin.get(url).get_data(as_text=True)
    assert "S&#39;ha desat la zona horària." in page or "S'ha desat la zona horària." in page
    assert re.search(r"1 de desembre del 2026, 15:0\d CET", page), page
    with app.app_context():
        assert db.session.get(type(partner), partner.id).time_zone == "Europe/Sarajevo"


def test_the_time_zone_page_is_the_administrators(signed_in):
    partner = PartnerFactory()
    coordinator = signed_in(member(partner, Role.COORDINATOR))
    assert coordinator.get(f"/organisations/{partner.slug}/time-zone").status_code == 404


# --- dates, numbers and lists in each language -------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words", "day"),
    [
        ("en", "Ana, Bea and Carme", "7 December 2026"),
        ("ca", "Ana, Bea i Carme", "7 de desembre del 2026"),
        ("es", "Ana, Bea y Carme", "7 de diciembre de 2026"),
        ("bs", "Ana, Bea i Carme", "7. decembar 2026."),
    ],
)
def test_lists_and_dates_in_each_language(app, code, words, day):
    with app.test_request_context("/", headers={"Accept-Language": code}):
        assert i18n.format_list(["Ana", "Bea", "Carme"]) == words
        assert i18n.format_list(["Ana"]) == "Ana"
        assert i18n.format_date(date(2026, 12, 7)) == day
        assert app.jinja_env.filters["long_date"](date(2026, 12, 7)) == day
        assert i18n.current_language().code == code


@pytest.mark.parametrize(
    ("code", "written"),
    [
        ("en", ["12.5", "1,234.5", "1,234", "0.8", "2"]),
        ("ca", ["12,5", "1.234,5", "1.234", "0,8", "2"]),
        ("es", ["12,5", "1.234,5", "1.234", "0,8", "2"]),
        ("bs", ["12,5", "1.234,5", "1.234", "0,8", "2"]),
    ],
)
def test_numbers_are_written_the_reader_s_way_each_time_they_are_asked(app, code, written):
    """Numbers are written once per language and kept: the kept text is each language's own,
    whichever language asked first."""
    values = [12.5, 1234.5, 1234, 0.75, 2.0]
    for first in ("en", "bs", code):
        with app.app_context(), app.test_request_context("/", headers={"Accept-Language": first}):
            [i18n.format_decimal(value, "#,##0.#") for value in values]
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": code}):
        assert [i18n.format_decimal(value, "#,##0.#") for value in values] == written
        assert i18n.format_decimal(2) == i18n.format_decimal(2.0) == "2"
        assert i18n.format_decimal(None) == ""


def test_a_catalan_page_shows_a_catalan_date(app, client):
    with app.test_request_context("/", headers={"Accept-Language": "ca"}):
        rendered = app.jinja_env.from_string("{{ day|date }} · {{ n|number }}").render(
            day=date(2026, 12, 7), n=1234
        )
    assert rendered == "7 de desembre del 2026 · 1.234"


def test_error_pages_and_the_sign_in_message_speak_her_language(client):
    missing = client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert missing.status_code == 404
    assert "Página no encontrada" in missing.get_data(as_text=True)
    client.get("/account", headers={"Accept-Language": "bs"})
    login_page = client.get("/login", headers={"Accept-Language": "bs"})
    assert "Prijavite se da biste vidjeli tu stranicu." in login_page.get_data(as_text=True)


def test_signing_in_keeps_the_language_she_was_shown_when_she_has_not_chosen_one(
    app, client, session
):
    partner = PartnerFactory()
    first_time = member(partner, Role.TRAINEE, email="nuria@example.org")
    chose_spanish = member(partner, Role.TRAINEE, email="lucia@example.org", locale="es")
    session.commit()
    for person in (first_time, chose_spanish):
        response = client.post(
            "/login",
            data={"email": person.email, "password": "correct horse battery"},
            headers={"Accept-Language": "ca"},
        )
        assert response.status_code == 302
        client.post("/logout")
    session.expire_all()
    # Her messages, sent when she is not there to ask, go in the language she read the site in;
    # a choice she made herself is never overwritten.
    assert session.get(User, first_time.id).locale == "ca"
    assert session.get(User, chose_spanish.id).locale == "es"
