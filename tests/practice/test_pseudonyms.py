"""The mentee pseudonym guard: what could identify a mentee is refused, with the reason."""

from __future__ import annotations

import pytest

from lms.errors import DomainError
from lms.practice.pseudonyms import REASONS, clean_pseudonym, pseudonym_problem

ALLOWED = [
    "Bluebird",
    "M.",
    "J.",
    "B",
    "Client A",
    "Client 2",
    "Mentee B",
    "Sunflower",
    "Robin",
    "Mariposa",
    "Star",
    "bluebird",
    "the quiet one",
    "Zvijezda",
]

REFUSED = {
    "full_name": [
        "Maria Lopez",
        "Mary-Jane O'Neill",
        "María de la Cruz",
        "Amina Hodžić",
        "Sarah Jane Smith",
        "Ana van der Berg",
    ],
    "title": ["Mrs X", "Mrs Smith", "Ms. Jones", "Sra. García", "Dr Patel", "gđa Kovač"],
    "address": [
        "12 Acacia Avenue",
        "Flat 3",
        "Calle Mayor 12",
        "C/ Alcalá 45",
        "Titova 12",
        "Ferhadija 15b",
        "SW1A 1AA",
        "M1 1AE",
        "28013",
        "71000 Sarajevo",
        "Bluebird of 4 Elm Road",
    ],
    "phone": ["07700 900123", "+34 612 345 678", "061 123 456", "061/123-456", "0044 20 7946 0000"],
    "date": ["12/03/1985", "1985-03-12", "12 March 1985", "3 de marzo", "Feb 2, 1990", "born 1979"],
    "email": ["maria@example.org", "Bluebird maria@example.org"],
    "web": ["www.example.org"],
    "empty": ["", "   "],
    "long": ["A" * 41],
}


@pytest.mark.parametrize("name", ALLOWED)
def test_ordinary_pseudonyms_are_allowed(name):
    assert pseudonym_problem(name) is None
    assert clean_pseudonym(f"  {name} ") == name.strip()


@pytest.mark.parametrize(
    ("reason", "name"), [(reason, name) for reason, names in REFUSED.items() for name in names]
)
def test_what_could_identify_her_is_refused_with_the_reason(reason, name):
    assert pseudonym_problem(name) == reason
    with pytest.raises(DomainError) as refused:
        clean_pseudonym(name)
    assert refused.value.message == REASONS[reason]
    assert refused.value.field == "pseudonym"


def test_every_reason_says_why_in_plain_words():
    for reason, text in REASONS.items():
        assert text.endswith("."), reason
        assert len(text) > 30, reason
