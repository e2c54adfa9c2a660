"""Licences: seats and dates are enforced on every enrolment path, and warned about ahead."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.curriculum import operations as curriculum
from lms.curriculum.models import CourseKind, Enrolment, EnrolmentStatus
from lms.db import utcnow
from lms.errors import DomainError
from lms.franchise import licences
from lms.franchise.enrolment import Enrolled, Invited, enrol_person
from lms.franchise.models import LicenceStatus
from tests.factories import CourseFactory, api_token, enrol_new_trainee, licensed_partner, member

TODAY = utcnow().date()


@pytest.fixture
def world(session):
    return licensed_partner(session, seats=2)


def enrolments(session) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
    )


def fill_seats(session, world, count: int):
    for index in range(count):
        enrol_new_trainee(session, world.cohort, f"t{index}@example.org", f"T {index}")
    session.commit()


# --- the domain check ---------------------------------------------------------------------------


def test_enrolment_stops_at_the_seat_limit(session, world):
    fill_seats(session, world, 2)
    with pytest.raises(DomainError, match=r"not enough seats.*0 of 2 seats left"):
        enrol_person(session, world.cohort, "third@example.org", "Third", today=TODAY)
    session.rollback()
    assert session.scalar(select(User).where(User.email == "third@example.org")) is None


def test_a_withdrawn_trainee_frees_her_seat(session, world):
    fill_seats(session, world, 2)
    first = session.scalars(select(Enrolment)).first()
    curriculum.withdraw(session, first)
    enrol_new_trainee(session, world.cohort, "third@example.org", "Third")
    assert enrolments(session) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires_on": TODAY - timedelta(days=1)}, "ended on"),
        ({"status": LicenceStatus.SUSPENDED}, "is suspended"),
        ({"status": LicenceStatus.EXPIRED}, "ended on"),
        (
            {"starts_on": TODAY + timedelta(days=3), "expires_on": TODAY + timedelta(days=90)},
            "starts on",
        ),
    ],
)
def test_no_enrolment_outside_a_licence_in_force(session, world, change, message):
    for key, value in change.items():
        setattr(world.licence, key, value)
    session.commit()
    with pytest.raises(DomainError, match=message):
        enrol_person(session, world.cohort, "a@example.org", "A", today=TODAY)


def test_no_licence_no_enrolment_but_short_courses_are_free(session, world):
    unlicensed = CourseFactory(title="Another qualification")
    other = curriculum.create_cohort(session, world.partner, unlicensed, "Other")
    with pytest.raises(DomainError, match="has no licence to deliver Another qualification"):
        enrol_person(session, other, "a@example.org", "A", today=TODAY)
    session.rollback()
    taster = CourseFactory(kind=CourseKind.SHORT_COURSE, title="A first look")
    cohort = curriculum.create_cohort(session, world.partner, taster, "Taster")
    assert isinstance(enrol_person(session, cohort, "a@example.org", "A", today=TODAY), Invited)


def test_the_licence_is_valid_on_its_last_day(session, world):
    world.licence.expires_on = TODAY
    session.commit()
    enrol_person(session, world.cohort, "a@example.org", "A", today=TODAY)
    with pytest.raises(DomainError, match="ended on"):
        licences.check_can_enrol(session, world.partner, world.course, TODAY + timedelta(days=1))


# --- warnings -----------------------------------------------------------------------------------


def usage(session, world):
    (found,) = licences.usages_for(session, [world.partner.id], TODAY)
    return found


def test_warnings_from_ninety_percent_of_seats_and_thirty_days_before_the_end(session):
    world = licensed_partner(session, seats=10, expires_in_days=31)
    fill_seats(session, world, 8)
    assert usage(session, world).warnings() == []
    fill_seats_from = 8
    enrol_person(session, world.cohort, f"t{fill_seats_from}@example.org", "T", today=TODAY)
    session.commit()
    assert usage(session, world).warnings() == [
        f"9 of 10 seats on the licence for {world.course.title} are taken: 1 left."
    ]
    world.licence.expires_on = TODAY + timedelta(days=30)
    session.commit()
    warnings = usage(session, world).warnings()
    assert warnings[1].endswith("(in 30 days).")


def test_a_full_licence_says_so(session, world):
    fill_seats(session, world, 2)
    (warning,) = usage(session, world).warnings()
    assert warning.startswith("All 2 seats on the licence")


# --- changing licences ----------------------------------------------------------------------------


def test_issuing_a_licence_checks_units_and_dates(session, world):
    course = CourseFactory(title="Second qualification")
    with pytest.raises(DomainError, match="at least one unit"):
        licences.issue_licence(
            session,
            world.partner,
            course,
            seats=5,
            starts_on=TODAY,
            expires_on=TODAY + timedelta(days=10),
            units=[],
        )
    with pytest.raises(DomainError, match="not part of"):
        licences.issue_licence(
            session,
            world.partner,
            course,
            seats=5,
            starts_on=TODAY,
            expires_on=TODAY + timedelta(days=10),
            units=["NOPE"],
        )
    with pytest.raises(DomainError, match="already has a licence"):
        licences.issue_licence(
            session,
            world.partner,
            world.course,
            seats=5,
            starts_on=TODAY,
            expires_on=TODAY + timedelta(days=10),
            units=sorted(world.licence.unit_codes),
        )
    with pytest.raises(DomainError, match="end on or after"):
        licences.change_licence(
            session,
            world.licence,
            seats=5,
            starts_on=TODAY,
            expires_on=TODAY - timedelta(1),
            units=sorted(world.licence.unit_codes),
            status=LicenceStatus.ACTIVE,
        )


def test_admin_issues_and_changes_a_licence_through_the_pages(session, login, world):
    browser = login(world.admin)
    course = CourseFactory(title="Second qualification")
    from tests.factories import CourseUnitFactory, UnitFactory

    unit = UnitFactory(code="SQ101")
    CourseUnitFactory(course=course, unit=unit)
    page = browser.get(f"/organisations/northside/licences/new?course={course.id}")
    assert "SQ101" in page.get_data(as_text=True)
    response = browser.post(
        "/organisations/northside/licences/new",
        data={
            "course": course.id,
            "seats": "12",
            "starts_on": TODAY.isoformat(),
            "expires_on": (TODAY + timedelta(days=100)).isoformat(),
            "units": ["SQ101"],
            "notes": "Agreed at the March meeting",
        },
    )
    assert response.status_code == 302
    licence = licences.licence_for(session, world.partner, course)
    assert (licence.seats, licence.unit_codes) == (12, {"SQ101"})
    response = browser.post(
        f"/organisations/northside/licences/{licence.id}",
        data={
            "seats": "15",
            "starts_on": TODAY.isoformat(),
            "expires_on": (TODAY + timedelta(days=100)).isoformat(),
            "units": ["SQ101"],
            "status": "suspended",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert (licence.seats, licence.status) == (15, LicenceStatus.SUSPENDED)
    page = browser.get("/organisations/northside/training").get_data(as_text=True)
    assert "Suspended" in page


def test_a_coordinator_cannot_change_her_licence(login, world):
    browser = login(world.coordinator)
    response = browser.get(f"/organisations/northside/licences/{world.licence.id}")
    assert response.status_code == 403


# --- every enrolment path -------------------------------------------------------------------------


def csv_file(*emails):
    rows = "".join(f"{email},Person {i},Spring 2027\n" for i, email in enumerate(emails))
    return (io.BytesIO(("email,name,cohort\n" + rows).encode()), "trainees.csv")


def test_one_by_one_stops_at_the_seat_limit(session, login, world):
    fill_seats(session, world, 2)
    browser = login(world.coordinator)
    response = browser.post(
        f"/organisations/northside/cohorts/{world.cohort.id}/enrol",
        data={"email": "new@example.org", "display_name": "New Person"},
    )
    assert response.status_code == 400
    assert "not enough seats" in response.get_data(as_text=True)
    assert enrolments(session) == 2


def test_csv_import_stops_at_the_seat_limit(session, login, world):
    fill_seats(session, world, 1)
    browser = login(world.coordinator)
    response = browser.post(
        "/organisations/northside/enrolments/import",
        data={"file": csv_file("a@example.org", "b@example.org")},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "has 1 seat left, and this is trainee number 2" in page
    assert enrolments(session) == 1


def test_api_stops_at_the_seat_limit(session, client, world):
    fill_seats(session, world, 2)
    token = api_token(session, world.coordinator, world.partner, Role.COORDINATOR)
    response = client.post(
        "/api/v1/trainees",
        json={"trainees": [{"email": "a@example.org", "name": "A", "cohort_id": world.cohort.id}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409
    assert "not enough seats" in response.json["error"]["problems"][0]["message"]
    assert enrolments(session) == 2


@pytest.mark.parametrize("path", ["one", "csv", "api"])
def test_every_path_refuses_after_expiry(session, login, client, world, path):
    world.licence.expires_on = TODAY - timedelta(days=1)
    world.licence.starts_on = TODAY - timedelta(days=100)
    session.commit()
    if path == "one":
        response = login(world.coordinator).post(
            f"/organisations/northside/cohorts/{world.cohort.id}/enrol",
            data={"email": "a@example.org", "display_name": "A"},
        )
        assert response.status_code == 400
    elif path == "csv":
        response = login(world.coordinator).post(
            "/organisations/northside/enrolments/import", data={"file": csv_file("a@example.org")}
        )
        assert response.status_code == 400
    else:
        token = api_token(session, world.coordinator, world.partner, Role.COORDINATOR)
        response = client.post(
            "/api/v1/trainees",
            json={
                "trainees": [{"email": "a@example.org", "name": "A", "cohort_id": world.cohort.id}]
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 409
    assert "ended on" in response.get_data(as_text=True)
    assert enrolments(session) == 0
    assert session.scalar(select(User).where(User.email == "a@example.org")) is None


def test_coordinators_see_the_warning_on_their_pages(session, login):
    world = licensed_partner(session, seats=10, expires_in_days=20)
    fill_seats(session, world, 9)
    browser = login(world.coordinator)
    for url in (
        "/organisations/northside/training",
        f"/organisations/northside/cohorts/{world.cohort.id}",
    ):
        page = browser.get(url).get_data(as_text=True)
        assert "9 of 10 seats on the licence" in page
        assert "(in 20 days)" in page


def test_trainee_role_is_granted_by_enrolment(session, world):
    staff = member(world.partner, Role.ASSESSOR, email="both@example.org")
    done = enrol_person(session, world.cohort, "both@example.org", today=TODAY)
    assert isinstance(done, Enrolled)
    assert staff.roles_in(world.partner.id) == {Role.ASSESSOR, Role.TRAINEE}


# --- the last seat, taken twice at once ----------------------------------------------------------


def test_two_enrolments_at_once_cannot_both_take_the_last_seat(app, session, world, monkeypatch):
    """Two coordinators enrol two people at the same moment, each in her own transaction on
    her own connection, with one seat left. Both count the seats before either has written
    (the barrier holds each until the other has counted too, unless the other is waiting for
    a lock, when the barrier gives up): exactly one is enrolled, the other told why not."""
    import contextlib
    import threading

    from sqlalchemy.orm import Session

    from lms.curriculum.models import Cohort

    fill_seats(session, world, 1)
    racers = [member(world.partner, Role.TRAINEE, email=f"racer{i}@example.org") for i in (0, 1)]
    barrier = threading.Barrier(2)
    count_seats = licences.seats_used

    def count_then_wait(*args, **kwargs):
        counted = count_seats(*args, **kwargs)
        # A broken barrier: the other enrolment is waiting for this one to finish.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1)
        return counted

    monkeypatch.setattr(licences, "seats_used", count_then_wait)
    engine = session.get_bind()
    outcomes: dict[int, str] = {}

    def enrol(index: int) -> None:
        # Each enrolment is a request of its own: the app signs what it writes.
        with app.app_context(), Session(engine) as own:
            cohort = own.get(Cohort, world.cohort.id)
            try:
                enrol_person(own, cohort, racers[index].email, today=TODAY)
                own.commit()
                outcomes[index] = "enrolled"
            except DomainError as error:
                own.rollback()
                outcomes[index] = error.message

    threads = [threading.Thread(target=enrol, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [0, 1]
    won = [index for index, outcome in outcomes.items() if outcome == "enrolled"]
    assert len(won) == 1, outcomes
    assert outcomes[1 - won[0]].startswith("There are not enough seats: ")
    assert enrolments(session) == 2


# --- seats cannot go below the number in use -----------------------------------------------------


def test_seats_cannot_be_set_below_the_number_in_use(session, world):
    fill_seats(session, world, 2)
    with pytest.raises(DomainError, match="2 seats are in use") as caught:
        licences.change_licence(
            session,
            world.licence,
            seats=1,
            starts_on=world.licence.starts_on,
            expires_on=world.licence.expires_on,
            units=sorted(world.licence.unit_codes),
            status=LicenceStatus.ACTIVE,
        )
    assert caught.value.field == "seats"
    session.rollback()
    licences.change_licence(
        session,
        world.licence,
        seats=2,
        starts_on=world.licence.starts_on,
        expires_on=world.licence.expires_on,
        units=sorted(world.licence.unit_codes),
        status=LicenceStatus.ACTIVE,
    )


def test_the_licence_form_says_why_seats_cannot_go_lower(session, login, world):
    fill_seats(session, world, 2)
    response = login(world.admin).post(
        f"/organisations/northside/licences/{world.licence.id}",
        data={
            "seats": "1",
            "starts_on": world.licence.starts_on.isoformat(),
            "expires_on": world.licence.expires_on.isoformat(),
            "units": sorted(world.licence.unit_codes),
            "status": "active",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "2 seats are in use" in page
    session.expire_all()
    assert world.licence.seats == 2
