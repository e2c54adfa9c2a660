"""The pages staff live in, and the trainee's own pages, cost the same number of queries
whatever the number of trainees; long lists come a page at a time, each page starting after
the last row of the one before, with nothing repeated or left out."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from lms.accounts.models import User, memberships_of
from lms.accounts.roles import Role
from lms.curriculum import operations as curriculum
from lms.curriculum.models import CourseUnit, Enrolment, EnrolmentStatus, Lesson, Unit
from lms.franchise import progress
from lms.franchise.progress import ProgressFilters
from tests.factories import api_token, enrol_new_trainee, licensed_partner
from tests.factories.franchise import licence_whole_course


def _lessons(session, course) -> list[Lesson]:
    return list(
        session.scalars(
            select(Lesson)
            .join(CourseUnit, CourseUnit.unit_id == Lesson.unit_id)
            .where(CourseUnit.course_id == course.id)
            .order_by(CourseUnit.position, Lesson.position)
        )
    )


def _grow(session, world, start: int, count: int, cohort=None) -> list[Enrolment]:
    """`count` more trainees, each a different way through the lessons and the statuses."""
    lessons = _lessons(session, world.course)
    made = []
    for index in range(start, start + count):
        enrolment = enrol_new_trainee(
            session,
            cohort or world.cohort,
            f"t{index}@example.org",
            # Some share a name, so that order falls back on what comes after it.
            f"Trainee {index % 7}",
        )
        for lesson in lessons[: index % (len(lessons) + 1)]:
            curriculum.mark_lesson_complete(session, enrolment, lesson)
        if index % 5 == 4:
            enrolment.status = EnrolmentStatus.IN_PROGRESS
        made.append(enrolment)
    session.commit()
    return made


def _pages(world, session, first) -> dict[str, str]:
    lesson = _lessons(session, world.course)[0]
    unit = session.get(Unit, lesson.unit_id)
    cohort = f"/organisations/northside/cohorts/{world.cohort.id}/progress"
    return {
        "cohort progress": cohort,
        "cohort progress by progress": cohort + "?sort=progress&dir=desc",
        "cohort progress by status": cohort + "?sort=status&status=all",
        "trainee home": "/",
        "lesson": f"/learning/{first.id}/units/{unit.code}/lessons/{lesson.slug}",
        "quiz list": "/quizzes/",
        "franchise overview": "/admin/franchise",
        "partner training page": "/organisations/northside/training",
        "API trainee list": "/api/v1/trainees?limit=100",
    }


def _count(count_queries, client, url, headers=None) -> int:
    assert client.get(url, headers=headers).status_code == 200, url  # warm
    with count_queries() as counter:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return counter.count


def _counts(session, world, first, count_queries, signed_in, token) -> dict[str, int]:
    coordinator, admin = signed_in(world.coordinator), signed_in(world.admin)
    trainee = signed_in(session.get(User, first.user_id))
    api = {"Authorization": f"Bearer {token}"}
    counts = {}
    for name, url in _pages(world, session, first).items():
        if name.startswith("cohort"):
            counts[name] = _count(count_queries, coordinator, url)
        elif name in ("franchise overview", "partner training page"):
            counts[name] = _count(count_queries, admin, url)
        elif name.startswith("API"):
            counts[name] = _count(count_queries, trainee, url, api)
        else:
            counts[name] = _count(count_queries, trainee, url)
    return counts


def test_pages_send_as_many_queries_for_fifty_trainees_as_for_five(
    session, count_queries, signed_in
):
    world = licensed_partner(session, seats=500)
    first = _grow(session, world, 0, 5)[0]
    token = api_token(session, world.coordinator, world.partner, Role.COORDINATOR)
    small = _counts(session, world, first, count_queries, signed_in, token)
    _grow(session, world, 5, 45)
    large = _counts(session, world, first, count_queries, signed_in, token)
    assert large == small


def test_a_later_page_of_cohort_progress_sends_as_many_queries_as_the_second(
    session, count_queries, signed_in, monkeypatch
):
    world = licensed_partner(session, seats=500)
    _grow(session, world, 0, 8)
    coordinator = signed_in(world.coordinator)
    url = f"/organisations/northside/cohorts/{world.cohort.id}/progress"

    def second_page() -> int:
        report = progress.cohort_progress(session, world.cohort, ProgressFilters())
        return _count(count_queries, coordinator, f"{url}?after={report.next_cursor}")

    monkeypatch.setattr(progress, "PAGE_SIZE", 3)
    few = second_page()
    _grow(session, world, 8, 30)
    many = second_page()
    assert few == many


def test_a_list_of_people_never_loads_their_memberships(session, count_queries, signed_in):
    world = licensed_partner(session, seats=50)
    _grow(session, world, 0, 3)
    with Session(session.get_bind()) as fresh:
        people = fresh.scalars(select(User).order_by(User.id)).all()
        with pytest.raises(InvalidRequestError):
            _ = people[0].memberships
        # Asked for on purpose, they are loaded, once.
        with count_queries() as counter:
            roles = {m.role for m in memberships_of(people[-1])}
            memberships_of(people[-1])
        assert roles == {Role.TRAINEE}
        assert counter.count == 1
    # A page of trainees reads the signed-in person's memberships once (with her session), and
    # no one else's.
    browser = signed_in(world.coordinator)
    url = f"/organisations/northside/cohorts/{world.cohort.id}/progress"
    browser.get(url)
    with count_queries() as counter:
        assert browser.get(url).status_code == 200
    reading_memberships = [
        s for s in counter.statements if "FROM membership" in s or "JOIN membership" in s
    ]
    assert len(reading_memberships) == 1
    assert "FROM auth_session" in reading_memberships[0]


# --- pages that follow one another ---------------------------------------------------------


SORTS = [
    ProgressFilters(status="all"),
    ProgressFilters(status="all", direction="desc"),
    ProgressFilters(status="all", sort="progress"),
    ProgressFilters(status="all", sort="progress", direction="desc"),
    ProgressFilters(status="all", sort="status"),
    ProgressFilters(status="all", sort="status", direction="desc"),
    ProgressFilters(status="all", sort="enrolled", direction="desc"),
    ProgressFilters(sort="progress", q="trainee 3"),
]


@pytest.fixture
def paged_world(session):
    """Eleven trainees in the cohort (four of them share one name with another), three in
    another cohort of the same partner, and two in another organisation."""
    world = licensed_partner(session, seats=100)
    _grow(session, world, 0, 11)
    other = curriculum.create_cohort(session, world.partner, world.course, "Another cohort")
    _grow(session, world, 100, 3, cohort=other)
    licence_whole_course(world.elsewhere, world.course)
    elsewhere = curriculum.create_cohort(session, world.elsewhere, world.course, "Elsewhere")
    _grow(session, world, 200, 2, cohort=elsewhere)
    others = {e.id for e in session.scalars(select(Enrolment)) if e.cohort_id != world.cohort.id}
    return SimpleNamespace(**vars(world), others=others)


@pytest.mark.parametrize("filters", SORTS, ids=lambda f: f"{f.sort}-{f.direction}-{f.q or 'all'}")
def test_cohort_progress_pages_cover_everyone_once_in_order(session, paged_world, filters):
    cohort = paged_world.cohort
    everyone = progress.cohort_progress(session, cohort, filters, size=1000)
    expected = [row.enrolment_id for row in everyone.rows]
    assert expected
    assert not set(expected) & paged_world.others

    pages, report = [], progress.cohort_progress(session, cohort, filters, size=4)
    assert report.previous_cursor is None
    while True:
        pages.append([row.enrolment_id for row in report.rows])
        assert report.count == len(expected)
        assert report.page == len(pages)
        assert report.pages == -(-len(expected) // 4)
        if report.next_cursor is None:
            break
        report = progress.cohort_progress(
            session, cohort, filters, after=report.next_cursor, size=4
        )
        assert report.previous_cursor is not None
    assert [e for page in pages for e in page] == expected
    assert len(pages) == report.pages

    # And back again from the last page, the same pages in reverse.
    back = [pages[-1]]
    while report.previous_cursor is not None:
        report = progress.cohort_progress(
            session, cohort, filters, before=report.previous_cursor, size=4
        )
        back.append([row.enrolment_id for row in report.rows])
    assert back == list(reversed(pages))


def test_totals_of_a_page_are_for_everyone_shown(session, paged_world):
    cohort = paged_world.cohort
    whole = progress.cohort_progress(session, cohort, ProgressFilters(status="all"), size=1000)
    paged = progress.cohort_progress(session, cohort, ProgressFilters(status="all"), size=4)
    assert len(paged.rows) == 4
    assert paged.count == len(whole.rows) == 11
    assert paged.mean_percent == round(sum(r.percent for r in whole.rows) / len(whole.rows))
    assert [(t.finished, t.mean_percent) for t in paged.totals] == [
        (
            sum(1 for r in whole.rows if r.done.get(u.unit_id, 0) >= u.lessons),
            round(sum(r.unit_percent(u) for r in whole.rows) / len(whole.rows)),
        )
        for u in whole.units
    ]
    assert paged.status_counts == whole.status_counts
    assert paged.charts() == whole.charts()


@pytest.mark.parametrize("status", list(progress.STATUS_FILTERS))
def test_a_page_holding_everyone_totals_its_rows_as_the_database_would(
    session, paged_world, status
):
    """A cohort that fits on one page is totalled from its rows, without the three grouped
    queries a longer one needs: the same figures, whatever the statuses and achievements."""
    cohort = paged_world.cohort
    enrolments = session.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    ).all()
    enrolments[0].status = EnrolmentStatus.WITHDRAWN
    for enrolment, month in zip(enrolments[1:4], (3, 3, 5), strict=True):
        enrolment.status = EnrolmentStatus.ACHIEVED
        enrolment.achieved_at = datetime(2026, month, 14, 23, 30, tzinfo=UTC)
    session.commit()
    filters = ProgressFilters(status=status)
    report = progress.cohort_progress(session, cohort, filters, size=1000)
    assert report.next_cursor is None
    assert report.previous_cursor is None

    units = progress.unit_columns(session, cohort)
    unit_ids = [unit.unit_id for unit in units]
    statement, _keys = progress._filtered(cohort, filters, unit_ids)
    assert report.summary == progress.summary(session, statement, unit_ids)
    if status in ("all", "achieved"):
        assert report.summary.achieved == {(2026, 3): 2, (2026, 5): 1}


def test_a_cursor_that_is_not_ours_shows_the_first_page(session, paged_world, login):
    browser = login(paged_world.coordinator)
    url = f"/organisations/northside/cohorts/{paged_world.cohort.id}/progress"
    first = _without_tokens(browser.get(url).get_data(as_text=True))
    for cursor in ("nonsense", "W10", "WyJhIiwgMV0"):
        page = browser.get(f"{url}?after={cursor}")
        assert page.status_code == 200
        assert _without_tokens(page.get_data(as_text=True)) == first


def _without_tokens(page: str) -> str:
    """The page without its forms' CSRF tokens, which are signed afresh each time, and
    without the address the language menu comes back to (the page's own, as asked for)."""
    page = re.sub(r'name="csrf_token"[^>]*>', "", page)
    return re.sub(r'name="next" value="[^"]*"', "", page)


def test_the_api_trainee_list_pages_cover_the_organisation_once(session, client, paged_world):
    token = api_token(session, paged_world.coordinator, paged_world.partner, Role.COORDINATOR)
    headers = {"Authorization": f"Bearer {token}"}
    url, seen = "/api/v1/trainees?limit=3", []
    while url:
        body = client.get(url, headers=headers).get_json()
        seen += [item["enrolment_id"] for item in body["data"]]
        url = body["links"]["next"]
    ours = session.scalars(
        select(Enrolment.id)
        .where(Enrolment.organisation_id == paged_world.partner.id)
        .order_by(Enrolment.id)
    ).all()
    assert seen == list(ours)
    assert len(seen) == 14


def test_member_pages_cover_the_organisation_once_in_order(session, paged_world):
    from lms.accounts.queries import members_of

    everyone = members_of(session, paged_world.partner, per_page=1000).people
    names = [(p.display_name, p.id) for p in everyone]
    assert names == sorted(names)
    outsiders = set(
        session.scalars(
            select(Enrolment.user_id).where(Enrolment.organisation_id == paged_world.elsewhere.id)
        )
    )
    assert outsiders
    assert not outsiders & {p.id for p in everyone}

    pages, page = [], members_of(session, paged_world.partner, per_page=4)
    while True:
        pages.append([p.id for p in page.people])
        assert (page.page, page.pages, page.total) == (len(pages), -(-len(everyone) // 4), 15)
        if page.next_cursor is None:
            break
        page = members_of(session, paged_world.partner, after=page.next_cursor, per_page=4)
    assert [i for ids in pages for i in ids] == [p.id for p in everyone]
    back = [pages[-1]]
    while page.previous_cursor is not None:
        page = members_of(session, paged_world.partner, before=page.previous_cursor, per_page=4)
        back.append([p.id for p in page.people])
    assert back == list(reversed(pages))
