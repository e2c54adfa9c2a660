"""Words an onlooker must never see from Alongside: in an e-mail's subject or sender, or in
the name of a downloaded file (a downloads folder, a browser's list of downloads and an
inbox's list of subjects are all seen by whoever uses the device).

The list names what the site is about (domestic and sexual violence and abuse, and the
support around it), and the words most often found in the names of the organisations that
do that work. "Mentor", "training", "course" and "assessment" are allowed: they say that
someone is learning, not what about. Names of people, organisations, courses and cohorts
are never put into those places, since any of them may hold a word from this list; tests
(tests/privacy/test_neutral_wording.py) hold every subject and file name to it."""

from __future__ import annotations

import re

REVEALING_WORDS = (
    "abuse",
    "abusive",
    "assault",
    "coercive",
    "coercion",
    "disclose",
    "disclosure",
    "domestic",
    "perpetrator",
    "rape",
    "refuge",
    "safeguarding",
    "sexual",
    "stalking",
    "survivor",
    "trauma",
    "victim",
    "violence",
    "violent",
    "women's aid",
)

_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(word) for word in REVEALING_WORDS) + r")", re.IGNORECASE
)


def revealing_words(text: str) -> list[str]:
    """The words of `text` (or their beginnings: "abused", "survivors") that are on the list."""
    return [
        match.group(1).lower()
        for match in _PATTERN.finditer(text.replace("\N{RIGHT SINGLE QUOTATION MARK}", "'"))
    ]
