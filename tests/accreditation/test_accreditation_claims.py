"""Certification claims: the right achievements, safe CSV, and nothing claimed twice."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.accounts.roles import Role
from lms.accreditation.claims import (
    claim_csv,
    claimable,
    create_claim,
    safe_cell,
)
from lms.accreditation.models import ClaimLine, QualificationAward
from lms.accreditation.operations import revoke_award
from lms.audit.models import AuditEvent
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.extensions import db
from tests.factories import PartnerFactory, member
from tests.factories.accreditation import (
    achieve,
    complete,
    enrol_trainee,
    make_qualification,
    staff_for,
)


def _period(days: int = 30):
    today = utcnow().date()
    return today - timedelta(days=days), today


@pytest.fixture
def centre(session):
    partner = PartnerFactory(name="Northside Women's Centre")
    qualification = make_qualification()
    staff = staff_for(partner)
    awarded = enrol_trainee(
        qualification, partner, display_name='=HYPERLINK("http://x")', date_of_birth="1990-04-02"
    )
    complete(session, qualification, awarded, staff)
    partial = enrol_trainee(qualification, partner, display_name="Bethany Cole")
    achieve(session, partial, qualification.units["A1"], staff, countersign=False)
    return partner, qualification, staff, awarded, partial


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_claim_lists_units_and_awards_with_what_the_awarding_body_needs(session, centre):
    partner, qualification, _, _, _ = centre
    coordinator = member(partner, Role.COORDINATOR)
    claim = create_claim(session, partner, *_period(), claimed_by=coordinator)
    session.commit()
    rows = _rows(claim_csv(session, claim))
    units = [row for row in rows if row["Record"] == "Unit"]
    awards = [row for row in rows if row["Record"] == "Qualification"]
    assert len(units) == 4
    assert len(awards) == 1
    first = next(row for row in units if row["Date of birth"])
    assert first["Learner name"] == '\'=HYPERLINK("http://x")'
    assert first["Date of birth"] == "1990-04-02"
    assert first["Centre"] == "Northside Women's Centre"
    assert first["Qualification code"] == qualification.course.code
    assert first["Assessor"] == "Asha Assessor"
    assert first["Internal quality assurer"] == "Iris Quality"
    assert first["Credits"] in {"2", "3"}
    bethany = next(row for row in units if row["Learner name"] == "Bethany Cole")
    assert bethany["Unit code"] == "A1"
    assert bethany["Internal quality assurer"] == ""
    assert awards[0]["Credits"] == "8"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "accreditation.claimed"))
    assert event.detail["units"] == 4
    assert event.detail["awards"] == 1


def test_nothing_is_claimed_twice(session, centre):
    partner, qualification, staff, _, partial = centre
    create_claim(session, partner, *_period(), claimed_by=None)
    session.commit()
    with pytest.raises(DomainError, match="Nothing is ready to claim"):
        create_claim(session, partner, *_period(), claimed_by=None)
    achieve(session, partial, qualification.units["A2"], staff)
    later = create_claim(session, partner, *_period(), claimed_by=None)
    session.commit()
    assert [row["Unit code"] for row in _rows(claim_csv(session, later))] == ["A2"]


def test_two_exports_at_the_same_moment_cannot_both_claim(app, session, centre):
    partner = centre[0]
    start, end = _period()
    found_first = claimable(session, partner, start, end)
    session.commit()
    # Another coordinator's export, in its own transaction, finishes first.
    with Session(db.engine) as other:
        create_claim(other, other.merge(partner), start, end, claimed_by=None)
        other.commit()
    with pytest.raises(Conflict, match="claimed by another export"):
        create_claim(session, partner, start, end, claimed_by=None, items=found_first)
    session.rollback()
    assert session.scalar(select(func.count(ClaimLine.id))) == 5


def test_the_database_refuses_a_second_line_for_the_same_achievement(session, centre):
    partner = centre[0]
    claim = create_claim(session, partner, *_period(), claimed_by=None)
    line = session.scalar(select(ClaimLine).where(ClaimLine.unit_achievement_id.is_not(None)))
    session.add(ClaimLine(claim_id=claim.id, unit_achievement_id=line.unit_achievement_id))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_revoked_awards_and_other_centres_are_not_claimed(session, centre):
    partner, _, _, _, _ = centre
    award = session.scalar(select(QualificationAward))
    revoke_award(
        session,
        award,
        revoked_by=member(partner.franchisor, Role.ADMIN),
        reason="Awarded in error, before the IQA had finished sampling.",
    )
    elsewhere = PartnerFactory()
    assert not claimable(session, elsewhere, *_period())
    items = claimable(session, partner, *_period())
    assert items.awards == []
    # The units of the revoked award were revoked with it; Bethany's unit is still claimed.
    assert [unit.unit_code for unit in items.units] == ["A1"]


def test_achievements_outside_the_period_wait_for_their_own_claim(session, centre):
    partner = centre[0]
    today = utcnow().date()
    assert not claimable(session, partner, today - timedelta(days=400), today - timedelta(days=90))
    with pytest.raises(DomainError, match="end on or after"):
        claimable(session, partner, today, today - timedelta(days=1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+44 7700", "'+44 7700"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tTab", "'\tTab"),
        ("Amira Hassan", "Amira Hassan"),
        (None, ""),
        (3, "3"),
    ],
)
def test_cells_are_never_formulas(value, expected):
    assert safe_cell(value) == expected


def test_a_coordinator_exports_a_claim_over_http(signed_in, session, centre):
    partner = centre[0]
    coordinator = signed_in(member(partner, Role.COORDINATOR))
    start, end = _period()
    form = {"period_start": start.isoformat(), "period_end": end.isoformat()}
    made = coordinator.post(f"/organisations/{partner.slug}/claims", data=form)
    assert made.status_code == 303
    page = coordinator.get(made.headers["Location"]).get_data(as_text=True)
    assert "Download CSV" in page
    claim_id = session.scalar(select(ClaimLine.claim_id))
    download = coordinator.get(f"/organisations/{partner.slug}/claims/{claim_id}.csv")
    assert download.mimetype == "text/csv"
    text = download.data.decode("utf-8-sig")
    assert len(_rows(text)) == 5
    again = coordinator.post(f"/organisations/{partner.slug}/claims", data=form)
    assert again.status_code == 400
    assert "Nothing is ready to claim" in again.get_data(as_text=True)
    backwards = coordinator.post(
        f"/organisations/{partner.slug}/claims",
        data={"period_start": end.isoformat(), "period_end": start.isoformat()},
    )
    assert backwards.status_code == 400
    other_claim = coordinator.get(f"/organisations/{partner.slug}/claims/9999.csv")
    assert other_claim.status_code == 404
