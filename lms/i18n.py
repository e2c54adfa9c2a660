"""The one place text is translated and numbers, dates, times, plurals and lists are written.

Every user-facing string goes through these names, so `pybabel extract` finds it and the
reader sees it in her language:

- `_("...")` translates now (views, domain errors raised in a request, CLI output);
  placeholders are named: `_("%(name)s's record", name=name)`.
- `_l("...")` translates when shown: module-level constants (form labels, CSV headers, error
  messages defined at import).
- `ngettext("%(num)d trainee", "%(num)d trainees", n)` for every count shown in words.
- `format_date`, `format_datetime`, `format_time`, `format_number`, `format_decimal`,
  `format_percent`, `format_list`: Babel in the reader's locale; datetimes in the reader's
  time zone with the zone shown.

The languages offered are `LANGUAGES` (English, the source, written the British way; Catalan,
Spanish and Bosnian in Latin script). A request's language is the signed-in person's own choice
(`User.locale`), else the language menu's cookie, else the browser's `Accept-Language`, else
English; its time zone is her organisation's (`Organisation.time_zone`), else
`DISPLAY_TIMEZONE`.

Domain modules import from here, not from Flask-Babel: outside a request (a script, a test of a
domain function) these fall back to the English source and UTC, so domain code still runs
without Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import flask_babel
from babel import Locale
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from babel.support import NullTranslations
from flask import Flask, g, has_app_context, has_request_context, request
from flask.globals import _cv_app
from flask_babel.speaklater import LazyString

__all__ = [
    "LANGUAGES",
    "Language",
    "_",
    "_l",
    "current_language",
    "format_date",
    "format_datetime",
    "format_decimal",
    "format_list",
    "format_number",
    "format_percent",
    "format_time",
    "gettext",
    "language",
    "lazy_gettext",
    "lazy_ngettext",
    "ngettext",
    "number_writer",
    "refresh_language",
    "time_zone_choices",
]


@dataclass(frozen=True)
class Language:
    """A language offered: `code` is what is stored and sent (`en`), `name` its own name,
    `locale` how Babel writes dates and numbers in it, `tag` the `<html lang>` value."""

    code: str
    name: str
    locale: str
    tag: str


LANGUAGES: tuple[Language, ...] = (
    # English is the source; dates and times are written the British way.
    Language("en", "English", "en_GB", "en-GB"),
    Language("ca", "Català", "ca", "ca"),
    Language("es", "Español", "es", "es"),
    Language("bs", "Bosanski", "bs", "bs"),
)
DEFAULT_LANGUAGE = "en"
# translations/<code>/LC_MESSAGES/messages.po, at the root of the repository.
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
LANGUAGE_CODES = tuple(lang.code for lang in LANGUAGES)
LANGUAGE_COOKIE = "language"
_BY_CODE = {lang.code: lang for lang in LANGUAGES}
_BY_LOCALE = {lang.locale: lang for lang in LANGUAGES}

# Offered first in an organisation's time-zone menu; any IANA name is accepted.
COMMON_TIME_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Rome",
    "Europe/Sarajevo",
    "Europe/Zagreb",
    "Europe/Belgrade",
    "Europe/Vienna",
    "Europe/Athens",
    "Atlantic/Canary",
    "UTC",
)
DEFAULT_TIME_ZONE = "Europe/London"


_DEFAULT_LOCALE = Locale.parse(_BY_CODE[DEFAULT_LANGUAGE].locale)
_NO_CATALOGUE = NullTranslations()


# --- translating --------------------------------------------------------------------------------


_NO_APP = object()


def _babel_state():
    """Where Flask-Babel keeps this request's locale (`g._flask_babel`), or `_NO_APP` outside
    an application. Read from the application context's own variable: `g` and
    `has_app_context()` each find it through a proxy, and a report asks a thousand times."""
    context = _cv_app.get(None)
    if context is None:
        return _NO_APP
    return context.g.__dict__.get("_flask_babel")


def _catalogue() -> NullTranslations:
    """The reader's catalogue. A page asks for it once for every text it shows (a report, a
    few hundred times); Flask-Babel finds it through several look-ups of its request state each
    time, so it is kept here beside the locale it belongs to, and found again while that locale
    stands (a `force_locale` block or a language just chosen replaces the locale object, and the
    catalogue is looked up afresh)."""
    if (state := _babel_state()) is _NO_APP:
        return _NO_CATALOGUE
    locale = getattr(state, "babel_locale", None)
    kept = getattr(state, "alongside_catalogue", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    catalogue = flask_babel.get_translations()
    state = g.get("_flask_babel")
    if state is not None and (locale := getattr(state, "babel_locale", None)) is not None:
        state.alongside_catalogue = (locale, catalogue)
    return catalogue


def gettext(string: str, **variables) -> str:
    text = _catalogue().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """`num` is offered to the text as `%(num)d` (or `%(num)s`)."""
    variables.setdefault("num", num)
    return _catalogue().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyString:
    return LazyString(ngettext, singular, plural, num, **variables)


_ = gettext
_l = lazy_gettext


def language(code: str | None) -> Language:
    """The language of `code`, or English for anything not offered."""
    return _BY_CODE.get(code or "", _BY_CODE[DEFAULT_LANGUAGE])


def is_time_zone(name: str | None) -> bool:
    return bool(name) and name in _zone_names()


_ZONE_NAMES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONE_NAMES
    if _ZONE_NAMES is None:
        _ZONE_NAMES = frozenset(available_timezones())
    return _ZONE_NAMES


def time_zone_choices(current: str | None = None) -> list[tuple[str, str]]:
    """(value, label) pairs for a select: the common zones, and `current` if it is another."""
    names = list(COMMON_TIME_ZONES)
    if current and current not in names and is_time_zone(current):
        names.append(current)
    return [(name, name.replace("_", " ")) for name in names]


# --- what a request reads in --------------------------------------------------------------------


def choose_language(own_choice: str | None, cookie: str | None, accept_languages) -> str:
    """Her own choice, else the menu's cookie, else the browser's best match, else English."""
    for code in (own_choice, cookie):
        if code in _BY_CODE:
            return code
    # In her browser's order of preference; `es-ES` asks for Spanish as `es` does.
    for tag, _quality in accept_languages or ():
        if (code := tag.replace("_", "-").split("-")[0].lower()) in _BY_CODE:
            return code
    return DEFAULT_LANGUAGE


def refresh_language(code: str) -> None:
    """The rest of this request (a flashed message, say) speaks the language just chosen."""
    g.chosen_language = code
    flask_babel.refresh()


def _request_language() -> str:
    from flask_login import current_user

    if (chosen := g.get("chosen_language")) in _BY_CODE:
        return chosen
    own = current_user.locale if current_user and current_user.is_authenticated else None
    return choose_language(own, request.cookies.get(LANGUAGE_COOKIE), request.accept_languages)


def _select_locale() -> str:
    if not has_request_context():
        return language(DEFAULT_LANGUAGE).locale
    return language(_request_language()).locale


def _select_timezone() -> str | None:
    """Flask-Babel asks once per request and keeps the answer; None means DISPLAY_TIMEZONE."""
    if not has_request_context():
        return None
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        zone = current_user.organisation_zone
        if is_time_zone(zone):
            return zone
    return None


def current_locale() -> Locale:
    """The reader's locale; British English outside an application."""
    if (state := _babel_state()) is _NO_APP:
        return _DEFAULT_LOCALE
    # Asked hundreds of times by a report (every number, every date): read first where
    # Flask-Babel keeps its answer for this request (or for `force_locale`), which is what
    # its get_locale reads too, after several look-ups of its context.
    locale = getattr(state, "babel_locale", None) or flask_babel.get_locale()
    return locale or _DEFAULT_LOCALE


def current_language() -> Language:
    locale = current_locale()
    return _BY_LOCALE.get(str(locale)) or language(locale.language)


def current_zone(tz: str | tzinfo | None = None) -> tzinfo:
    """The reader's time zone (or `tz`, an IANA name or a tzinfo); UTC outside an application."""
    if isinstance(tz, str):
        return ZoneInfo(tz)
    if tz is not None:
        return tz
    zone = flask_babel.get_timezone() if has_app_context() else None
    return zone or UTC


# --- writing dates, times, numbers and lists ----------------------------------------------------

# Date-only patterns for a datetime, so the day follows the reader's time zone.
_DATE_ONLY = ("full", "long", "medium", "short")


def format_date(
    value: date | datetime | None, format: str = "long", *, tz: str | tzinfo | None = None
) -> str:
    """`7 December 2026` / `7 de desembre del 2026` / `7. decembar 2026.`; "" for None.
    A datetime is shown on the reader's calendar day, not UTC's."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _aware(value).astimezone(current_zone(tz)).date()
    return babel_dates.format_date(value, format, locale=current_locale())


def format_datetime(
    value: datetime | None,
    format: str = "long",
    *,
    zone: bool = True,
    tz: str | tzinfo | None = None,
) -> str:
    """A moment in the reader's time zone and language, with the zone named
    (`7 December 2026, 14:05 GMT`, `7 de desembre del 2026, 15:05 CET`) unless `zone=False`;
    "" for None. `format` is the date's width (full, long, medium, short); times are
    hours and minutes, 24-hour in every language offered. `tz` shows it in another zone
    than the reader's (an organisation's, on its settings page)."""
    if value is None:
        return ""
    locale, tz = current_locale(), current_zone(tz)
    moment = _aware(value).astimezone(tz)
    day = babel_dates.format_date(moment.date(), format, locale=locale)
    time = babel_dates.format_time(moment, "short", tzinfo=tz, locale=locale)
    text = babel_dates.get_datetime_format(format, locale=locale).format(time, day)
    if zone:
        text = f"{text} {babel_dates.format_datetime(moment, 'z', tzinfo=tz, locale=locale)}"
    return text


def format_time(
    value: datetime | None,
    format: str = "short",
    *,
    tz: str | tzinfo | None = None,
    zone: bool = False,
) -> str:
    """`14:05`: a moment's time of day in the reader's time zone (`14:05 GMT` with `zone`);
    "" for None."""
    if value is None:
        return ""
    tz, locale = current_zone(tz), current_locale()
    moment = _aware(value).astimezone(tz)
    text = babel_dates.format_time(moment, format, tzinfo=tz, locale=locale)
    if zone:
        text = f"{text} {babel_dates.format_datetime(moment, 'z', tzinfo=tz, locale=locale)}"
    return text


def format_number(value: int | None) -> str:
    """`1,234` (`1.234` in Catalan and Bosnian, `1234` in Spanish, which groups from five
    digits). A report writes hundreds of counts: each whole number is written once per locale."""
    if value is None:
        return ""
    locale = current_locale()
    if isinstance(value, int):
        return _whole_number(value, str(locale))
    return babel_numbers.format_decimal(value, locale=locale)


def number_writer() -> Callable[[int], str]:
    """`format_number` for whole numbers in the reader's locale, which it reads once: for a
    table that writes hundreds of counts."""
    locale = str(current_locale())
    return lambda value: _whole_number(value, locale)


@lru_cache(maxsize=16384)
def _whole_number(value: int, locale: str) -> str:
    return babel_numbers.format_decimal(value, locale=locale)


def format_decimal(value: float | Decimal | None, format: str | None = None) -> str:
    """`12.5` / `12,5`. Reports write the same few values (percentages, hours) hundreds of
    times: each is written once per locale and format."""
    if value is None:
        return ""
    return _decimal(value, format, str(current_locale()))


@lru_cache(maxsize=16384)
def _decimal(value: float | Decimal, format: str | None, locale: str) -> str:
    return babel_numbers.format_decimal(value, format=format, locale=locale)


def format_percent(value: float | None, format: str | None = None) -> str:
    """0.25 -> `25%` (`25 %` in Catalan and Spanish)."""
    if value is None:
        return ""
    return babel_numbers.format_percent(value, format=format, locale=current_locale())


def format_list(items, style: str = "standard") -> str:
    """`a, b and c` / `a, b i c` / `a, b y c` / `a, b i c`: lists joined as the language does."""
    words = [str(item) for item in items]
    return babel_lists.format_list(words, style, locale=current_locale())


def _aware(moment: datetime) -> datetime:
    # Stored datetimes are UTC; SQLite hands them back without their zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def init_app(app: Flask) -> None:
    """Flask-Babel with the selectors above, and Jinja filters for templates:
    `{{ when|datetime }}`, `{{ day|date }}`, `{{ n|number }}`, `{{ names|words }}`;
    `_`, `ngettext` and `{% trans %}` come from Flask-Babel."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", language(DEFAULT_LANGUAGE).locale)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config.get("DISPLAY_TIMEZONE") or "UTC"
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    from lms.extensions import babel

    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    # Flask-Babel keeps loaded catalogues on the one `babel` object, by language only: an
    # application made after another (each test makes one) reads its own directories afresh.
    if (domain := vars(babel).get("domain_instance")) is not None:
        domain.cache.clear()

    @app.after_request
    def _vary_by_language(response):
        # The same address answers in the language the browser asks for (or its cookie names).
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response

    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # `_`, `ngettext` and `{% trans %}` in templates read the same kept catalogue as code does.
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _catalogue().ugettext(string),
        ngettext=lambda singular, plural, num: _catalogue().ungettext(singular, plural, num),
        pgettext=lambda context, string: _catalogue().upgettext(context, string),
        npgettext=lambda context, singular, plural, num: _catalogue().unpgettext(
            context, singular, plural, num
        ),
        newstyle=True,
    )
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_decimal, "decimal")
    app.add_template_filter(format_percent, "percent")
    app.add_template_filter(format_list, "words")
    # For texts kept in code untranslated (N_) and shown from a list: `|map('gettext')`.
    app.add_template_filter(gettext, "gettext")
    app.jinja_env.globals.update(
        languages=LANGUAGES, current_language=current_language, format_list=format_list
    )
