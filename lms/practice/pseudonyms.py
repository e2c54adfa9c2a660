"""The mentee pseudonym guard: a training record may know a mentee only by a name the trainee
makes up. `pseudonym_problem` says, in plain words, why a name looks like something that could
identify her (a full name, a title and name, an address, a phone number, a date, an e-mail), or
None when it looks like an ordinary pseudonym ("Bluebird", "M.", "Client A").

Pure: no database, no Flask. It cannot know every real name; it catches the common shapes and
the page says why, so the trainee learns what to leave out.
"""

from __future__ import annotations

import re

from lms.errors import DomainError
from lms.i18n import _l

MAX_LENGTH = 40

_EMAIL = re.compile(r"\S+@\S+|\bat\b.*\bdot\b", re.IGNORECASE)
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
# Seven or more digits, however spaced or punctuated: a phone number.
_PHONE = re.compile(r"(?:\+|\b00)?\d(?:[\s()./-]*\d){6,}")
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    r"januar|februar|mart|juni|juli|septembar|oktobar|novembar|decembar"
)
_DATE = re.compile(
    r"\b\d{1,4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{1,4}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:de\s+)?(?:{_MONTHS})\b"
    rf"|\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    r"|\b(?:19|20)\d{2}\b",
    re.IGNORECASE,
)
# UK postcodes ("SW1A 1AA", "M1 1AE"); Spanish and Bosnian ones are five digits ("28013",
# "71000"), caught below with any number long enough to be one.
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_POSTCODE_DIGITS = re.compile(r"\b\d{4,6}\b")
_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|court|ct|place|pl|square|sq|"
    r"crescent|terrace|gardens|grove|hill|flat|apartment|apt|house|"
    r"calle|c/|avenida|avda|av|plaza|pza|paseo|camino|carrer|ronda|piso|portal|"
    r"ulica|ul|trg|put|bulevar|obala|naselje|sokak|stan|broj|br"
)
_STREET = re.compile(rf"(?<!\w)(?:{_STREET_WORDS})\.?(?!\w)", re.IGNORECASE)
_HOUSE_NUMBER = re.compile(r"\b\d{1,4}\s*[a-z]?\b", re.IGNORECASE)
_TITLES = re.compile(
    r"^(?:mrs|mr|ms|miss|mx|dr|sra|srta|sr|doña|dona|don|gđa|gđica|gdja|gđa|gospođa|gospodja)"
    r"\.?\s+\S",
    re.IGNORECASE,
)
# Words that start a generic label ("Client 2", "Mentee B"), which is what a pseudonym is for.
_LABELS = re.compile(
    r"^(?:client|mentee|participant|person|woman|friend|clienta|usuaria|participante|"
    r"klijentica|korisnica)\s+(?:[a-z]|\d{1,3})$",
    re.IGNORECASE,
)
_PARTICLES = {"de", "del", "la", "las", "los", "van", "von", "der", "di", "da", "y", "e", "el"}
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'\u2019-]*(?:['\u2019-][^\W\d_]+)*$")

REASONS = {
    "empty": _l("Please choose a name to know her by, such as “Bluebird” or “Client A”."),
    "long": _l("Please keep the pseudonym short: at most %(limit)d characters.", limit=MAX_LENGTH),
    "email": _l(
        "This looks like an e-mail address. Please choose a made-up name instead, so "
        "that nothing on the record can lead to her."
    ),
    "web": _l("This looks like a web address. Please choose a made-up name instead."),
    "phone": _l(
        "This looks like a phone number. Please leave her contact details out of the "
        "record and choose a made-up name."
    ),
    "date": _l(
        "This looks like a date, perhaps a date of birth. Please leave dates that "
        "identify her out of the pseudonym."
    ),
    "address": _l(
        "This looks like part of an address (a house number, a street or a postcode). "
        "Please leave where she lives out of the record."
    ),
    "title": _l(
        "A title with a name (like “Mrs Smith”) is how a real person is addressed. "
        "Please choose a made-up name instead."
    ),
    "full_name": _l(
        "This looks like a first name and a surname. Please choose a made-up name, such "
        "as “Bluebird”, or an initial, such as “M.”."
    ),
}


def _looks_like_full_name(text: str) -> bool:
    words = [w for w in text.split() if w.lower() not in _PARTICLES]
    if len(words) < 2 or not all(_NAME_WORD.match(w) for w in words):
        return False
    # Each word capitalised and at least two letters: "Maria Lopez", "Mary-Jane O'Neill".
    return all(len(w) >= 2 and w[0].isupper() and not w.isupper() for w in words)


def _looks_like_address(text: str) -> bool:
    if _UK_POSTCODE.search(text) or _POSTCODE_DIGITS.search(text):
        return True
    if _STREET.search(text) and re.search(r"\d", text):
        return True
    # A word and a house number, in either order: "12 Acacia", "Titova 12", "Ferhadija 15b".
    return bool(_HOUSE_NUMBER.search(text)) and bool(re.search(r"[^\W\d_]{3,}", text))


def pseudonym_problem(text: str | None) -> str | None:
    """Why `text` should not be a mentee's pseudonym (a key of `REASONS`), or None."""
    text = " ".join((text or "").split())
    if not text:
        return "empty"
    if len(text) > MAX_LENGTH:
        return "long"
    checks = (
        ("email", lambda t: bool(_EMAIL.search(t))),
        ("web", lambda t: bool(_URL.search(t))),
        ("date", lambda t: bool(_DATE.search(t))),
        ("phone", lambda t: bool(_PHONE.search(t))),
        ("title", lambda t: bool(_TITLES.search(t))),
    )
    for reason, found in checks:
        if found(text):
            return reason
    if _LABELS.match(text):
        return None
    if _looks_like_address(text):
        return "address"
    if _looks_like_full_name(text):
        return "full_name"
    return None


def clean_pseudonym(text: str | None) -> str:
    """The pseudonym, tidied; a `DomainError` on field "pseudonym" saying why when it looks
    like something that could identify the mentee."""
    reason = pseudonym_problem(text)
    if reason is not None:
        raise DomainError(str(REASONS[reason]), field="pseudonym")
    return " ".join((text or "").split())
