"""The assessor's queue: the longest waiting first, a page at a time, every submission once."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from lms.accounts.roles import Role
from lms.assessment import queries
from lms.extensions import db
from lms.portfolio import operations as portfolio
from tests.factories import EnrolmentFactory, add_evidence, assessment_setting, member

# Two submissions share the same moment, so the page boundary must also order by id.
MOMENTS = [
    datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    datetime(2026, 3, 5, 14, 30, tzinfo=UTC),
    datetime(2026, 4, 1, 8, 15, tzinfo=UTC),
    datetime(2026, 4, 9, 16, 45, tzinfo=UTC),
]


@pytest.fixture
def waiting(session):
    """An assessment setting with five trainees' submissions of its unit, each handed in at
    its moment."""
    setting = assessment_setting()
    names = []
    for index, moment in enumerate(MOMENTS):
        name = f"Trainee {index + 1}"
        enrolment = EnrolmentFactory(
            user=member(setting.organisation, Role.TRAINEE, display_name=name),
            course=setting.course,
            organisation=setting.organisation,
            cohort=setting.cohort,
        )
        add_evidence(enrolment, setting.criteria())
        submission = portfolio.submit_unit(
            db.session, enrolment, setting.unit, declaration_confirmed=True
        )
        submission.submitted_at = moment  # as if handed in then
        names.append(name)
    db.session.commit()
    return setting, names


def test_pages_follow_one_another_with_every_submission_once(waiting):
    setting, names = waiting
    seen, cursor = [], None
    for _ in range(3):
        entries = queries.assessor_queue(
            db.session, setting.assessor, after=queries.parse_queue_cursor(cursor), limit=2
        )
        seen += [entry.trainee_name for entry in entries]
        cursor = entries[-1].cursor if entries else None
    assert seen == names


def test_the_queue_page_counts_everything_waiting_and_links_to_the_next(
    waiting, signed_in, monkeypatch
):
    setting, names = waiting
    monkeypatch.setattr(queries, "QUEUE_PAGE_SIZE", 3)
    assessor = signed_in(setting.assessor)
    first = assessor.get("/assessment/queue").get_data(as_text=True)
    assert "5 submissions are waiting for a decision." in first
    assert [name for name in names if name in first] == names[:3]
    assert f"{setting.unit.code} (5 waiting)" in first

    cursor = re.search(r"after=([^\"&]+)", first).group(1)
    assert queries.parse_queue_cursor(cursor)[0] == MOMENTS[2]
    second = assessor.get(f"/assessment/queue?after={cursor}").get_data(as_text=True)
    assert [name for name in names if name in second] == names[3:]
    assert "Next submissions" not in second
    assert "Back to the longest waiting" in second

    other_unit = assessor.get(f"/assessment/queue?unit={setting.units[1].id}")
    page = other_unit.get_data(as_text=True)
    assert "waiting for a decision." not in page
    assert "Nothing is waiting for you." in page


@pytest.mark.parametrize("cursor", ["", "nonsense", "2026-1", "99999999999999999999-1", "-"])
def test_a_cursor_that_cannot_be_read_starts_at_the_beginning(cursor):
    assert queries.parse_queue_cursor(cursor) is None
