"""The assessor's queue: the longest waiting first, a page at a time, every submission once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.assessment import operations, queries
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.curriculum.models import CohortRole
from lms.db import utcnow
from lms.extensions import db
from lms.portfolio import operations as portfolio
from lms.portfolio.models import Submission, SubmissionStatus
from tests.factories import (
    CohortStaffFactory,
    EnrolmentFactory,
    add_evidence,
    assessment_setting,
    member,
)

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


def test_each_row_says_when_it_was_submitted_and_how_long_it_has_waited(waiting, signed_in):
    """On the reader's calendar and in her language; a name is written as text wherever
    the row repeats it (the links' words for a screen reader too)."""
    setting, _ = waiting
    setting.organisation.time_zone = "Europe/Sarajevo"  # an hour ahead of UTC in March
    entries = queries.assessor_queue(db.session, setting.assessor)
    late, recent = (db.session.get(Submission, entries[i].submission_id) for i in (0, 4))
    late.submitted_at = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 3 March in Sarajevo
    recent.submitted_at = utcnow() - timedelta(days=3, hours=2)
    db.session.get(User, late.trainee_id).display_name = "Ana <b>Kovač</b>"
    setting.assessor.locale = "bs"
    db.session.commit()

    page = signed_in(setting.assessor).get("/assessment/queue").get_data(as_text=True)
    assert "3. mart 2026." in page
    assert "2. mart 2026." in page
    assert "3 dana" in page
    assert "<b>" not in page
    assert page.count("Ana &lt;b&gt;Kovač&lt;/b&gt;") == 3  # her name, and two links for her


def _awaiting_countersignature(setting) -> tuple[User, int]:
    """A trainee assessor of the cohort, and the oldest waiting submission she signed off
    (which now waits for a qualified assessor's countersignature)."""
    qualifying = member(setting.organisation, Role.ASSESSOR, display_name="Still Qualifying")
    CohortStaffFactory(cohort=setting.cohort, user=qualifying, role=CohortRole.ASSESSOR)
    operations.set_trainee_assessor(db.session, qualifying, setting.organisation.id, trainee=True)
    operations.save_sampling_plan(
        db.session, setting.organisation.id, setting.iqa, percentage=0, first_decisions=0
    )
    submission = db.session.get(
        Submission, queries.assessor_queue(db.session, qualifying)[0].submission_id
    )
    operations.judge(
        db.session,
        submission,
        qualifying,
        expected_version=submission.state_version,
        outcome=Outcome.SIGNED_OFF,
        verdicts={c.id: Verdict(True, "Clear.") for c in setting.criteria()},
        feedback="Well evidenced.",
    )
    db.session.commit()
    assert submission.status == SubmissionStatus.AWAITING_COUNTERSIGN
    return qualifying, submission.id


def test_sign_offs_wait_for_a_qualified_assessor_of_the_organisation(waiting, signed_in):
    setting, names = waiting
    qualifying, submission_id = _awaiting_countersignature(setting)
    countersign = queries.countersign_queue(db.session, setting.assessor)
    assert [entry.submission_id for entry in countersign] == [submission_id]
    # Not for her while she qualifies herself, nor for another organisation's assessor.
    assert queries.countersign_queue(db.session, qualifying) == []
    elsewhere = assessment_setting()
    assert queries.countersign_queue(db.session, elsewhere.assessor) == []

    page = signed_in(setting.assessor).get("/assessment/queue").get_data(as_text=True)
    assert "Sign-offs waiting for your countersignature" in page
    assert f'href="/assessment/submissions/{submission_id}">{names[0]}, ' in page
    mine = signed_in(qualifying).get("/assessment/queue").get_data(as_text=True)
    assert "Sign-offs waiting for your countersignature" not in mine


def test_a_page_asks_the_same_questions_whatever_waits(waiting, signed_in, count_queries):
    setting, _ = waiting
    assessor = signed_in(setting.assessor)

    def statements() -> int:
        assessor.get("/assessment/queue")  # warm: the session's last-seen time is written
        with count_queries() as counter:
            assert assessor.get("/assessment/queue").status_code == 200
        return counter.count

    # Her session with her memberships and her count of unread notices (one statement), her
    # cohorts, the units waiting (and so the total), the page, the sign-offs she may
    # countersign.
    assert statements() == 5
    for index in range(4):
        enrolment = EnrolmentFactory(
            user=member(setting.organisation, Role.TRAINEE, display_name=f"More {index}"),
            course=setting.course,
            organisation=setting.organisation,
            cohort=setting.cohort,
        )
        for unit in setting.units:
            add_evidence(enrolment, setting.criteria(unit))
            portfolio.submit_unit(db.session, enrolment, unit, declaration_confirmed=True)
    _awaiting_countersignature(setting)
    assert statements() == 5
