"""The overviews' kept figures (lms.franchise.figures) are always the figures the rows give:
after each domain function that changes a row they are made from, after a change made on the
model directly or by a bulk statement, and never from a change that was rolled back. Over
HTTP, a withdrawal or a revocation shows on the next view of the overview."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accreditation.models import QualificationAward
from lms.accreditation.operations import revoke_award
from lms.curriculum import operations as curriculum
from lms.curriculum.models import Enrolment, EnrolmentStatus
from lms.db import utcnow
from lms.franchise import cohorts, enrolment, figures, licences, overview
from lms.franchise.models import FiguresStamp, LicenceStatus
from tests.factories import (
    CohortFactory,
    PartnerFactory,
    enrol_new_trainee,
    licensed_partner,
    member,
)
from tests.factories.accreditation import complete, enrol_trainee, make_qualification, staff_for

TODAY = utcnow().date()


def kept_and_fresh(session, organisation_ids):
    """The figures the overview reads (kept where they are current) and the rows' own."""
    kept = figures.figures_for(session, organisation_ids)
    return kept, figures.work_out(session, organisation_ids)


def assert_true_to_the_rows(session, *organisations):
    ids = [o.id for o in organisations]
    kept, fresh = kept_and_fresh(session, ids)
    assert kept == fresh


def northside(session, admin):
    return next(
        p
        for p in overview.franchise_overview(session, admin, TODAY).partners
        if p.organisation.slug == "northside"
    )


@pytest.fixture
def world(session):
    world = licensed_partner(session, seats=10)
    for index in range(3):
        enrol_new_trainee(session, world.cohort, f"t{index}@example.org", f"Trainee {index}")
    session.commit()
    northside(session, world.admin)  # kept from here on
    return world


def test_each_domain_function_changes_the_figures_at_once(session, world):
    partner = world.partner
    assert northside(session, world.admin).by_status["enrolled"] == 3

    first = session.scalars(select(Enrolment).order_by(Enrolment.id)).first()
    cohorts.withdraw_enrolment(session, first, "She moved away.")
    session.commit()
    summary = northside(session, world.admin)
    assert (summary.by_status["enrolled"], summary.by_status["withdrawn"]) == (2, 1)
    assert summary.licences[0].seats_used == 2
    assert_true_to_the_rows(session, partner)

    enrolment.enrol_person(session, world.cohort, "new@example.org", "New Person", today=TODAY)
    session.commit()  # an invitation holds a seat until it is answered or expires
    assert northside(session, world.admin).licences[0].seats_used == 3
    assert_true_to_the_rows(session, partner)

    first_unit = sorted(world.licence.unit_codes)[0]
    assert len(northside(session, world.admin).licences[0].licence.unit_codes) == 2
    licences.change_licence(
        session,
        world.licence,
        seats=3,
        starts_on=world.licence.starts_on,
        expires_on=world.licence.expires_on,
        units=[first_unit],
        status=LicenceStatus.ACTIVE,
    )
    session.commit()
    summary = northside(session, world.admin)
    assert summary.licences[0].seats_left == 0
    assert summary.licences[0].licence.unit_codes == (first_unit,)
    assert any("All 3 seats" in warning for warning in summary.warnings)

    cohorts.close_cohort(session, world.cohort)
    session.commit()
    assert northside(session, world.admin).active_cohorts == 0
    assert_true_to_the_rows(session, partner)


@pytest.fixture
def achieved(session):
    """Northside: one trainee, who has achieved the qualification; and its administrator."""
    partner = PartnerFactory(name="Northside", slug="northside")
    qualification = make_qualification()
    staff = staff_for(partner)
    cohort = CohortFactory(organisation=partner, course=qualification.course, name="Spring")
    amira = enrol_trainee(qualification, partner, cohort=cohort, email="a@example.org")
    complete(session, qualification, amira, staff)
    admin = member(partner.franchisor, Role.ADMIN)
    session.commit()
    return partner, admin


def test_a_revoked_award_shows_at_once(session, achieved):
    partner, admin = achieved
    before = northside(session, admin)
    assert (before.achieved, before.revoked, before.completion_rate) == (1, 0, 100)

    award = session.scalar(select(QualificationAward))
    revoke_award(session, award, revoked_by=admin, reason="Not her own work.")
    session.commit()
    after = northside(session, admin)
    assert (after.achieved, after.revoked, after.completion_rate) == (0, 1, 0)
    assert after.median_days_to_award is None
    assert_true_to_the_rows(session, partner)


def test_a_change_made_on_the_model_or_in_bulk_is_seen(session, world):
    # directly on the model, as the curriculum does
    second = session.scalars(select(Enrolment).order_by(Enrolment.id)).all()[1]
    second.status = EnrolmentStatus.IN_PROGRESS
    session.commit()
    assert northside(session, world.admin).by_status["in_progress"] == 1
    # a bulk UPDATE: its organisations are read from its WHERE
    session.execute(
        update(Enrolment)
        .where(Enrolment.organisation_id == world.partner.id)
        .values(status=EnrolmentStatus.ACHIEVED, achieved_at=utcnow())
    )
    session.commit()
    assert northside(session, world.admin).by_status["achieved"] == 3
    # a bulk INSERT that names its organisations
    person = session.scalar(select(User).where(User.email == "t0@example.org"))
    session.execute(
        insert(Enrolment),
        [
            {
                "user_id": person.id,
                "course_id": world.course.id,
                "organisation_id": world.partner.id,
                "status": EnrolmentStatus.WITHDRAWN,
            }
        ],
    )
    session.commit()
    assert northside(session, world.admin).by_status["withdrawn"] == 1
    assert_true_to_the_rows(session, world.partner)


def test_a_rolled_back_change_is_never_kept(session, world):
    stamp = session.scalar(
        select(FiguresStamp.stamp).where(FiguresStamp.organisation_id == world.partner.id)
    )
    first = session.scalars(select(Enrolment).order_by(Enrolment.id)).first()
    curriculum.withdraw(session, first)
    # the session sees its own change before it commits, and keeps nothing of it
    assert northside(session, world.admin).by_status["withdrawn"] == 1
    session.rollback()
    assert northside(session, world.admin).by_status["withdrawn"] == 0
    assert stamp == session.scalar(
        select(FiguresStamp.stamp).where(FiguresStamp.organisation_id == world.partner.id)
    )
    assert_true_to_the_rows(session, world.partner)


def test_a_change_of_one_partner_leaves_the_others_kept(session, world, monkeypatch):
    harbour = PartnerFactory(slug="harbour", name="Harbour", franchisor=world.franchisor)
    session.commit()
    ids = [world.partner.id, harbour.id]
    figures.figures_for(session, ids)
    session.commit()
    enrol_new_trainee(session, world.cohort, "late@example.org", "Late")
    session.commit()
    worked_out = []
    work_out = figures.work_out

    def counting(session, organisation_ids):
        worked_out.append(list(organisation_ids))
        return work_out(session, organisation_ids)

    monkeypatch.setattr(figures, "work_out", counting)
    found = figures.figures_for(session, ids)
    assert worked_out == [[world.partner.id]]  # Harbour's are kept
    assert found[world.partner.id].by_status["enrolled"] == 4
    assert found == work_out(session, ids)


def test_invitations_stop_holding_a_seat_when_they_expire(session, world):
    enrolment.enrol_person(session, world.cohort, "new@example.org", "New Person", today=TODAY)
    session.commit()
    kept = figures.figures_for(session, [world.partner.id])[world.partner.id]
    (expires,) = kept.invitations_expire[world.course.id]
    assert kept.seats_used(world.course.id, expires - timedelta(seconds=1)) == 4
    assert kept.seats_used(world.course.id, expires) == 3


def _withdraw_form(page: str) -> str:
    return re.search(r'href="(/organisations/northside/enrolments/\d+/withdraw)"', page).group(1)


def test_over_http_a_withdrawal_shows_on_the_next_view(session, login, world):
    browser = login(world.admin)
    page = browser.get("/admin/franchise").get_data(as_text=True)
    assert re.search(
        r">Northside</a></th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">3</td>", page
    )
    first = session.scalars(select(Enrolment).order_by(Enrolment.id)).first()
    answer = browser.post(
        f"/organisations/northside/enrolments/{first.id}/withdraw",
        data={"reason": "She asked to stop."},
    )
    assert answer.status_code == 302
    page = browser.get("/admin/franchise").get_data(as_text=True)
    assert re.search(
        r">Northside</a></th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">2</td>", page
    )
    partner = browser.get("/organisations/northside/training").get_data(as_text=True)
    assert "3: 2 enrolled, 1 withdrawn" in partner


def test_over_http_a_revocation_shows_on_the_next_view(session, login, achieved):
    _partner, admin = achieved
    browser = login(admin)
    page = browser.get("/admin/franchise").get_data(as_text=True)
    assert '100% <span class="muted">(1 of 1)</span>' in page
    assert "Award revoked" not in page
    award = session.scalar(select(QualificationAward))
    answer = browser.post(f"/awards/{award.id}/revoke", data={"reason": "Not her own work."})
    assert answer.status_code == 303
    page = browser.get("/admin/franchise").get_data(as_text=True)
    assert '0% <span class="muted">(0 of 1)</span>' in page
    assert "Award revoked" in page


def test_a_partner_s_cohorts_are_read_a_page_at_a_time(session, login):
    world = licensed_partner(session, seats=10)
    for index in range(54):  # 55 with Spring 2027; some with no start date
        starts = None if index % 7 == 0 else TODAY - timedelta(days=index)
        curriculum.create_cohort(
            session, world.partner, world.course, f"Cohort {index:02}", starts_on=starts
        )
    session.commit()
    everyone = [
        line.cohort.id for line in overview.partner_cohorts(session, world.partner, per_page=100)
    ]
    assert len(everyone) == 55
    first = overview.partner_cohorts(session, world.partner, per_page=20)
    pages = [[line.cohort.id for line in first]]
    page = first
    while page.next_cursor:
        page = overview.partner_cohorts(session, world.partner, after=page.next_cursor, per_page=20)
        pages.append([line.cohort.id for line in page])
    assert [len(p) for p in pages] == [20, 20, 15]
    assert [i for p in pages for i in p] == everyone
    back = overview.partner_cohorts(
        session, world.partner, before=page.previous_cursor, per_page=20
    )
    assert [line.cohort.id for line in back] == pages[1]
    assert back.previous_cursor
    assert back.next_cursor

    browser = login(world.admin)
    html = browser.get("/organisations/northside/training").get_data(as_text=True)
    assert html.count('href="/organisations/northside/cohorts/') >= 50
    assert "Next page" in html
    assert "Previous page" not in html
    cursor = re.search(r'href="\?after=([^"]+)"', html).group(1)
    rest = browser.get(f"/organisations/northside/training?after={cursor}").get_data(as_text=True)
    assert "Previous page" in rest
    assert "Next page" not in rest
