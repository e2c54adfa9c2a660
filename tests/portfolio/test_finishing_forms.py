"""The evidence form groups criteria by unit, and submitting a unit with gaps warns first."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.db import utcnow
from lms.extensions import db
from lms.portfolio.models import Submission
from tests.factories import add_evidence, assessment_setting
from tests.factories.accreditation import achieve


@pytest.fixture
def setting(app):
    return assessment_setting(units=3)


def _submissions() -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


def _submit_url(setting) -> str:
    return f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}/submit"


# --- submitting a unit with criteria that have no evidence -------------------------------------


def test_submitting_a_unit_with_criteria_lacking_evidence_warns_and_submits_nothing(
    setting, signed_in
):
    first, *rest = setting.criteria()
    add_evidence(setting, [first])
    trainee = signed_in(setting.trainee)
    response = trainee.post(_submit_url(setting), data={"declaration": "y"})
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "have no evidence" in page
    for criterion in rest:
        assert f"<li>{criterion.number} {criterion.text}</li>" in page
    assert f"<li>{first.number} {first.text}</li>" not in page
    assert 'name="anyway" value="yes"' in page
    assert "Submit anyway" in page
    assert _submissions() == 0


def test_what_she_wrote_she_changed_is_kept_through_the_warning(setting, signed_in):
    add_evidence(setting, setting.criteria()[:1])
    trainee = signed_in(setting.trainee)
    note = 'I added my reflective account & the "session plan".'
    response = trainee.post(_submit_url(setting), data={"declaration": "y", "changes": note})
    assert response.status_code == 200
    [kept] = re.findall(r'name="changes" value="([^"]*)"', response.get_data(as_text=True))
    assert html.unescape(kept) == note


def test_submit_anyway_submits_the_unit_with_its_gaps(setting, signed_in):
    add_evidence(setting, setting.criteria()[:1])
    trainee = signed_in(setting.trainee)
    response = trainee.post(_submit_url(setting), data={"declaration": "y", "anyway": "yes"})
    assert response.status_code == 302
    assert "/submissions/" in response.headers["Location"]
    assert _submissions() == 1


def test_a_unit_with_evidence_for_every_criterion_is_submitted_without_a_warning(
    setting, signed_in
):
    add_evidence(setting, setting.criteria())
    response = signed_in(setting.trainee).post(_submit_url(setting), data={"declaration": "y"})
    assert response.status_code == 302
    assert _submissions() == 1


def test_the_declaration_is_still_asked_for_before_any_warning(setting, signed_in):
    add_evidence(setting, setting.criteria()[:1])
    response = signed_in(setting.trainee).post(_submit_url(setting), data={}, follow_redirects=True)
    assert b"confirm that this work is your own" in response.data
    assert b"Submit anyway" not in response.data
    assert _submissions() == 0


# --- the evidence form: criteria grouped by unit ------------------------------------------------


def _groups(page: str) -> dict[int, str]:
    """Each unit's <details> opening tag, by unit id."""
    return {
        int(unit_id): tag
        for tag, unit_id in re.findall(
            r'(<details class="criteria-unit" id="criteria-unit-(\d+)"[^>]*>)', page
        )
    }


def test_the_evidence_form_groups_criteria_by_unit_with_the_current_unit_open(setting, signed_in):
    first, second, third = setting.units
    trainee = signed_in(setting.trainee)
    page = trainee.get(f"/portfolio/{setting.enrolment.id}/evidence/new?unit={second.id}").get_data(
        as_text=True
    )
    unit_page = trainee.get(f"/portfolio/{setting.enrolment.id}/units/{second.id}")
    assert f"/evidence/new?unit={second.id}" in unit_page.get_data(as_text=True)
    groups = _groups(page)
    assert list(groups) == [first.id, second.id, third.id]
    assert "open" in groups[second.id]
    assert "open" not in groups[first.id]
    assert "open" not in groups[third.id]
    for unit in setting.units:
        assert (
            f'<legend class="visually-hidden">Criteria of {unit.code} {unit.title}</legend>' in page
        )
    for criterion in setting.criteria(second):
        assert f'id="criteria-{criterion.id}" value="{criterion.id}"' in page
        assert f'<label for="criteria-{criterion.id}">' in page


def test_achieved_units_are_folded_away_and_others_open(setting, signed_in):
    first = setting.units[0]
    setting.enrolment.enrolled_at = utcnow() - timedelta(days=30)
    achieve(db.session, setting.enrolment, first, setting)  # the setting has its assessor and IQA
    page = (
        signed_in(setting.trainee)
        .get(f"/portfolio/{setting.enrolment.id}/evidence/new")
        .get_data(as_text=True)
    )
    groups = _groups(page)
    assert "open" not in groups[first.id]
    assert all("open" in groups[unit.id] for unit in setting.units[1:])
    title = f'<span lang="{first.language}">{first.title}</span>'
    assert f'{first.code} {title} <span class="tag tag--ok">Achieved</span>' in page


def test_a_unit_with_a_chosen_criterion_is_open_and_saving_keeps_the_choice(setting, signed_in):
    third = setting.units[2]
    criterion = setting.criteria(third)[0]
    trainee = signed_in(setting.trainee)
    url = f"/portfolio/{setting.enrolment.id}/evidence/new"
    page = trainee.get(f"{url}?criterion={criterion.id}&unit={setting.units[0].id}").get_data(
        as_text=True
    )
    assert "open" in _groups(page)[third.id]
    assert f'value="{criterion.id}" checked' in page
    saved = trainee.post(
        url,
        data={
            "title": "Notes",
            "evidence_type": "reflective_account",
            "description": "",
            "criteria": [criterion.id],
        },
    )
    assert saved.status_code == 302
