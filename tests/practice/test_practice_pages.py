"""Practice through HTTP, as trainees, supervisors and coordinators use it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.db import clock_at, utcnow
from lms.practice import operations
from lms.practice.models import JournalEntry, MentoringRelationship, PracticeSession
from tests.factories import CohortFactory, PartnerFactory, api_token, member
from tests.factories.accreditation import enrol_trainee, make_qualification

SECRET = "Something I have never said out loud."


@pytest.fixture
def place(session):
    partner = PartnerFactory(slug="northside", name="Northside")
    qualification = make_qualification()
    cohort = CohortFactory(organisation=partner, course=qualification.course, name="Spring")
    enrolment = enrol_trainee(qualification, partner, cohort=cohort, display_name="Amira Hassan")
    supervisor = member(partner, Role.ASSESSOR, display_name="Sam Supervisor")
    coordinator = member(partner, Role.COORDINATOR, display_name="Cora Coordinator")
    operations.assign_supervisor(session, enrolment, supervisor)
    session.commit()
    trainee = session.get(User, enrolment.user_id)
    return {
        "partner": partner,
        "qualification": qualification,
        "cohort": cohort,
        "enrolment": enrolment,
        "trainee": trainee,
        "supervisor": supervisor,
        "coordinator": coordinator,
    }


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_form_refuses_a_real_name_and_says_why(session, signed_in, place):
    browser = signed_in(place["trainee"])
    url = f"/practice/{place['enrolment'].id}/relationships/new"
    today = utcnow().date().isoformat()
    refused = browser.post(url, data={"pseudonym": "Maria Lopez", "started_on": today})
    assert refused.status_code == 400
    assert "looks like a first name and a surname" in _text(refused)
    assert session.scalars(select(MentoringRelationship)).all() == []
    refused = browser.post(url, data={"pseudonym": "12 Acacia Avenue", "started_on": today})
    assert "part of an address" in _text(refused)
    accepted = browser.post(
        url, data={"pseudonym": "Bluebird", "started_on": today, "goals": "To feel safe."}
    )
    assert accepted.status_code == 302
    page = browser.get(accepted.headers["Location"])
    assert "Bluebird" in _text(page)
    assert "To feel safe." in _text(page)


def test_she_makes_a_feedback_link_for_a_mentee_from_their_page(session, signed_in, place):
    from lms.practice.surveys.models import MenteeLink
    from tests.factories.surveys import synced_surveys

    synced_surveys()
    mentoring = operations.start_relationship(
        session, place["enrolment"], pseudonym="Wren", started_on=utcnow().date(), goals=""
    )
    session.commit()
    browser = signed_in(place["trainee"])
    page = _text(browser.get(f"/practice/{place['enrolment'].id}/relationships/{mentoring.id}"))
    assert "Make a feedback link for Wren" in page
    made = browser.post("/surveys/mentee-links", data={"label": "Wren"})
    assert made.status_code == 200
    [link] = session.scalars(select(MenteeLink)).all()
    assert link.label == "Wren"


def test_she_logs_a_session_and_sees_her_hours(session, signed_in, place):
    mentoring = operations.start_relationship(
        session, place["enrolment"], pseudonym="Robin", started_on=utcnow().date(), goals=""
    )
    session.commit()
    browser = signed_in(place["trainee"])
    enrolment_id = place["enrolment"].id
    response = browser.post(
        f"/practice/{enrolment_id}/relationships/{mentoring.id}/sessions",
        data={
            "held_on": utcnow().date().isoformat(),
            "minutes": "90",
            "mode": "phone",
            "support": "bridge",
            "service": "housing",
            "note": "We called the housing office together.",
        },
    )
    assert response.status_code == 302
    [logged] = session.scalars(select(PracticeSession)).all()
    assert (logged.minutes, logged.service.value) == (90, "housing")
    page = _text(browser.get(f"/practice/{enrolment_id}"))
    assert "Practice hours: 1.5" in page


def test_she_reads_flags_about_her_in_kind_words_not_the_staff_note(session, signed_in, place):
    operations.raise_flag(
        session,
        place["enrolment"],
        place["supervisor"],
        kind="over_identification",
        follow_up_on=utcnow().date() + timedelta(days=3),
        note="STAFF-ONLY NOTE",
        pauses_practice=True,
    )
    session.commit()
    url = f"/practice/{place['enrolment'].id}"
    hers = _text(signed_in(place["trainee"]).get(url))
    assert "close to your own story" in hers
    assert "STAFF-ONLY NOTE" not in hers
    assert "Your practice is paused for now" in hers
    theirs = _text(signed_in(place["supervisor"]).get(url))
    assert "STAFF-ONLY NOTE" in theirs
    assert "Over-identification" in theirs


def test_a_flag_past_its_date_shows_on_the_coordinators_home(session, signed_in, place):
    with clock_at(utcnow() - timedelta(days=12)):
        flag = operations.raise_flag(
            session,
            place["enrolment"],
            place["supervisor"],
            kind="boundary",
            follow_up_on=utcnow().date() + timedelta(days=2),
        )
    session.commit()
    home = _text(signed_in(place["coordinator"]).get("/"))
    assert "Practice at Northside" in home
    assert "1 flag awaiting follow-up" in home
    with clock_at(utcnow() - timedelta(days=12)):
        operations.record_supervision(
            session,
            place["partner"],
            place["supervisor"],
            [place["enrolment"]],
            held_on=utcnow().date(),
            topics="Boundaries.",
            actions=[("Read the guide", utcnow().date() + timedelta(days=5))],
        )
    session.commit()
    supervisor_home = _text(signed_in(place["supervisor"]).get("/"))
    assert "Follow up: Amira Hassan, boundary concern" in supervisor_home
    assert "1 agreed action past its date" in supervisor_home
    overview = _text(signed_in(place["coordinator"]).get("/practice/organisation/northside"))
    assert "Amira Hassan: Boundary concern" in overview
    # The weekly count: overdue at the end of the weeks ending one week ago and today.
    assert '<th scope="row">Spring</th><td>0</td><td>0</td><td>1</td><td>1</td>' in overview
    response = signed_in(place["coordinator"]).post(
        f"/practice/{place['enrolment'].id}/flags/{flag.id}", data={"outcome": "Limits agreed."}
    )
    assert response.status_code == 302
    home = _text(signed_in(place["coordinator"]).get("/"))
    assert "0 flags awaiting follow-up" in home


def test_the_journal_is_private_from_everyone_else_and_the_api(session, signed_in, place):
    entry = operations.write_entry(
        session,
        place["enrolment"],
        place["trainee"],
        title="Hard day",
        headings=[""],
        answers=[SECRET],
    )
    admin = member(place["partner"].franchisor, Role.ADMIN)
    session.commit()
    mine = signed_in(place["trainee"])
    assert SECRET in _text(mine.get(f"/practice/journal/{entry.id}"))
    assert "Only you can read your journal" in _text(mine.get("/practice/journal"))
    for person in (place["supervisor"], place["coordinator"], admin):
        browser = signed_in(person)
        assert browser.get(f"/practice/journal/{entry.id}").status_code == 404
        assert browser.get(f"/practice/journal/{entry.id}/evidence").status_code == 404
        assert SECRET not in _text(browser.get(f"/practice/{place['enrolment'].id}"))
        assert "Hard day" not in _text(browser.get("/practice/journal"))
    token = api_token(session, place["coordinator"], place["partner"], Role.COORDINATOR)
    headers = {"Authorization": f"Bearer {token}"}
    client = signed_in(place["coordinator"])
    for url in ("/api/v1/trainees", f"/api/v1/trainees/{place['trainee'].id}"):
        assert SECRET not in _text(client.get(url, headers=headers))
    assert "journal" not in _text(client.get("/api/v1/openapi.json")).lower()


def test_a_journal_entry_becomes_evidence_as_a_copy(session, signed_in, place):
    from lms.curriculum.models import AssessmentCriterion
    from lms.portfolio.models import Evidence

    entry = operations.write_entry(
        session,
        place["enrolment"],
        place["trainee"],
        title="A boundary",
        headings=["What happened"],
        answers=["She asked for my number."],
    )
    session.commit()
    criterion = session.scalars(select(AssessmentCriterion)).first()
    browser = signed_in(place["trainee"])
    response = browser.post(
        f"/practice/journal/{entry.id}/evidence", data={"criteria": [str(criterion.id)]}
    )
    assert response.status_code == 302
    session.expire_all()
    [evidence] = session.scalars(select(Evidence)).all()
    assert "She asked for my number." in evidence.description
    assert session.get(JournalEntry, entry.id).evidence_id == evidence.id


def _grow(session, place, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        enrolment = enrol_trainee(
            place["qualification"],
            place["partner"],
            cohort=place["cohort"],
            display_name=f"Extra {n}",
        )
        operations.assign_supervisor(session, enrolment, place["supervisor"])
        mentoring = operations.start_relationship(
            session, enrolment, pseudonym="Robin", started_on=utcnow().date(), goals=""
        )
        operations.log_session(
            session,
            mentoring,
            enrolment,
            held_on=utcnow().date(),
            minutes=30,
            mode="online",
            support="practical",
        )
        operations.raise_flag(
            session, enrolment, place["supervisor"], kind="wellbeing", follow_up_on=utcnow().date()
        )
    session.commit()


@pytest.mark.parametrize("who", ["supervisor", "coordinator"])
def test_list_pages_take_the_same_queries_whatever_the_number_of_trainees(
    session, signed_in, count_queries, place, who
):
    browser = signed_in(place[who])
    urls = ["/practice/", "/"]
    if who == "coordinator":
        urls.append("/practice/organisation/northside")
    _grow(session, place, 2)
    for url in urls:
        browser.get(url)
    small = {}
    for url in urls:
        with count_queries() as counter:
            assert browser.get(url).status_code == 200
        small[url] = counter.count
    _grow(session, place, 8, start=2)
    for url in urls:
        with count_queries() as counter:
            page = browser.get(url)
        if url != "/":
            assert "Extra 9" in _text(page)
        assert counter.count == small[url], (url, counter.statements)


def test_her_course_page_shows_practice_against_the_requirement(session, signed_in, place):
    from lms.practice.models import PracticeRequirement

    session.add(
        PracticeRequirement(
            course_id=place["qualification"].course.id, hours=20, supervision_sessions=3
        )
    )
    mentoring = operations.start_relationship(
        session, place["enrolment"], pseudonym="Robin", started_on=utcnow().date(), goals=""
    )
    operations.log_session(
        session,
        mentoring,
        place["enrolment"],
        held_on=utcnow().date(),
        minutes=150,
        mode="online",
        support="emotional",
    )
    session.commit()
    page = _text(signed_in(place["trainee"]).get(f"/learning/{place['enrolment'].id}"))
    assert "Practice hours: 2.5 of 20" in page
    assert "Supervision sessions: 0 of 3" in page


def test_the_cohort_progress_table_has_a_practice_column(session, signed_in, place):
    mentoring = operations.start_relationship(
        session, place["enrolment"], pseudonym="Robin", started_on=utcnow().date(), goals=""
    )
    operations.log_session(
        session,
        mentoring,
        place["enrolment"],
        held_on=utcnow().date(),
        minutes=90,
        mode="phone",
        support="practical",
    )
    session.commit()
    browser = signed_in(place["coordinator"])
    url = f"/organisations/northside/cohorts/{place['cohort'].id}/progress"
    page = _text(browser.get(url))
    assert '<th scope="col">Practice</th>' in page
    assert re.search(r"<td[^>]*>1.5 hours</td>", page)
    export = _text(browser.get(url + ".csv"))
    assert export.splitlines()[0].split(",")[9] == "Practice"
    assert "1.5 hours" in export


def test_she_writes_an_entry_guided_by_gibbs_cycle(session, signed_in, place):
    from lms.practice.queries import GIBBS

    browser = signed_in(place["trainee"])
    url = f"/practice/journal/new/{place['enrolment'].id}?prompt=gibbs"
    form = _text(browser.get(url))
    assert all(heading in form for heading in GIBBS["headings"])
    answers = {f"answers-{n}": f"Answer {n}" for n in range(len(GIBBS["headings"]))}
    response = browser.post(url, data={"title": "After supervision", **answers})
    assert response.status_code == 302
    [entry] = session.scalars(select(JournalEntry)).all()
    assert entry.prompt_key == "gibbs"
    assert list(entry.body) == GIBBS["headings"]
    assert entry.body[GIBBS["headings"][-1]] == "Answer 5"
    page = _text(browser.get(response.headers["Location"]))
    assert "Only you can read this." in page
    assert "Answer 5" in page


def _add_practice(session, place, count: int, start: int = 0) -> None:
    enrolment, supervisor = place["enrolment"], place["supervisor"]
    today = utcnow().date()
    for n in range(start, start + count):
        mentoring = operations.start_relationship(
            session, enrolment, pseudonym=f"Client {n}", started_on=today, goals=""
        )
        for _ in range(2):
            operations.log_session(
                session,
                mentoring,
                enrolment,
                held_on=today,
                minutes=30,
                mode="online",
                support="practical",
            )
        operations.record_supervision(
            session,
            place["partner"],
            supervisor,
            [enrolment],
            held_on=today,
            topics=f"Topic {n}",
            actions=[("Read", today)],
        )
        operations.raise_flag(
            session, enrolment, supervisor, kind="wellbeing", follow_up_on=today, note=f"Note {n}"
        )
    session.commit()


@pytest.mark.parametrize("who", ["trainee", "supervisor"])
def test_her_practice_page_takes_the_same_queries_however_much_is_recorded(
    session, signed_in, count_queries, place, who
):
    browser = signed_in(place[who])
    url = f"/practice/{place['enrolment'].id}"
    _add_practice(session, place, 1)
    browser.get(url)
    with count_queries() as small:
        assert browser.get(url).status_code == 200
    _add_practice(session, place, 5, start=1)
    with count_queries() as large:
        page = _text(browser.get(url))
    assert "Client 5" in page
    assert large.count == small.count, large.statements
