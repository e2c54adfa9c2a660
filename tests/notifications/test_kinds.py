"""The catalogue of kinds: each has an audience, a text written from its parameters, a
neutral subject and lead, a mail template on disk, and is sent from somewhere in the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms import PROJECT_ROOT
from lms.notifications import kinds
from lms.notifications.models import Notification
from lms.notifications.operations import text_of
from lms.privacy.wording import revealing_words
from tests.notifications import PARAMS

SOURCES = {
    path: path.read_text()
    for path in (PROJECT_ROOT / "lms").rglob("*.py")
    if path.name != "kinds.py"
}


@pytest.mark.parametrize("name", sorted(kinds.CATALOGUE))
def test_each_kind_is_complete_and_used(app, name):
    kind = kinds.CATALOGUE[name]
    assert kind.audience in kinds.Audience
    for suffix in (".txt", ".html"):
        assert Path(PROJECT_ROOT, "templates", "mail", kind.template + suffix).exists()
    with app.test_request_context():
        text = kind.render(PARAMS)
        assert text
        assert "%(" not in text
        assert revealing_words(str(kind.subject)) == []
        assert revealing_words(str(kind.lead)) == []
    assert any(f'"{name}"' in source for source in SOURCES.values()), f"{name} is never sent"


def test_dates_are_written_in_the_readers_language(app):
    with app.test_request_context():
        text = kinds.CATALOGUE["licence.ending"].render({"course": "C", "ends_on": "2027-03-31"})
    assert "2027-03-31" not in text
    assert "2027" in text


def test_a_row_from_before_kinds_kept_parameters_shows_its_own_words(app):
    old = Notification(kind="submission.arrived", message="Stored words.", params=None)
    unknown = Notification(kind="gone.kind", message="Other words.", params={"unit": "X"})
    with app.test_request_context():
        assert text_of(old) == "Stored words."
        assert text_of(unknown) == "Other words."
