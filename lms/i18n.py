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

Domain modules import from here, not from Flask-Babel: outside a request (a script, a test of a
domain function) these fall back to the English source and UTC, so domain code still runs
without Flask.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel import lists as babel_lists
from flask import Flask
from flask_babel import (
    format_date as _babel_format_date,
)
from flask_babel import (
    format_datetime as _babel_format_datetime,
)
from flask_babel import (
    format_decimal as _babel_format_decimal,
)
from flask_babel import (
    format_number as _babel_format_number,
)
from flask_babel import (
    format_percent as _babel_format_percent,
)
from flask_babel import (
    format_time as _babel_format_time,
)
from flask_babel import (
    get_locale,
    gettext,
    lazy_gettext,
    lazy_ngettext,
    ngettext,
)

_ = gettext
_l = lazy_gettext

__all__ = [
    "_",
    "_l",
    "format_date",
    "format_datetime",
    "format_decimal",
    "format_list",
    "format_number",
    "format_percent",
    "format_time",
    "gettext",
    "lazy_gettext",
    "lazy_ngettext",
    "ngettext",
]


def format_date(value: date | datetime | None, format: str = "long") -> str:
    """`7 December 2026` / `7 de desembre de 2026` / `7. decembar 2026.`; "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        # A moment is shown on the reader's calendar day, not UTC's.
        return _babel_format_datetime(value, _DATE_ONLY.get(format, format))
    return _babel_format_date(value, format)


# Date-only patterns for a datetime, so the day follows the reader's time zone.
_DATE_ONLY = {"long": "d MMMM y", "medium": "d MMM y", "short": "dd/MM/y"}


def format_datetime(value: datetime | None, format: str = "medium", *, zone: bool = True) -> str:
    """A moment in the reader's time zone, in her language, with the zone named
    (`7 Dec 2026, 14:05 GMT`) unless `zone=False`; "" for None."""
    if value is None:
        return ""
    text = _babel_format_datetime(value, format)
    if zone:
        text = f"{text} {_babel_format_datetime(value, 'zzz')}"
    return text


def format_time(value: datetime | None, format: str = "short") -> str:
    return "" if value is None else _babel_format_time(value, format)


def format_number(value: int | None) -> str:
    return "" if value is None else _babel_format_number(value)


def format_decimal(value: float | Decimal | None, format: str | None = None) -> str:
    return "" if value is None else _babel_format_decimal(value, format=format)


def format_percent(value: float | None, format: str | None = None) -> str:
    """0.25 -> `25%` (`25 %` in Catalan and Spanish)."""
    return "" if value is None else _babel_format_percent(value, format=format)


def format_list(items, style: str = "standard") -> str:
    """`a, b and c` / `a, b i c` / `a, b y c` / `a, b i c`: lists joined as the language does."""
    words = [str(item) for item in items]
    return babel_lists.format_list(words, style, locale=get_locale() or "en")


def init_app(app: Flask) -> None:
    """Jinja filters for templates: `{{ when|datetime }}`, `{{ day|date }}`, `{{ n|number }}`,
    `{{ names|words }}`; `_`, `ngettext` and `{% trans %}` come from Flask-Babel."""
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_decimal, "decimal")
    app.add_template_filter(format_percent, "percent")
    app.add_template_filter(format_list, "words")
