"""Surveys as people use them: a trainee answers and sees her journey; her mentee answers by
link without an account (or on paper, entered by the mentor); coordinators read the report,
its exports and the written answers; the home page shows response rates."""

import re

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.practice.surveys.format import Moment
from lms.practice.surveys.models import MenteeLink, SurveyAnswer, SurveyResponse
from tests.factories import (
    CourseFactory,
    FranchisorFactory,
    PartnerFactory,
    answer,
    ending_cohort,
    member,
    synced_surveys,
    trainees_in,
)
from tests.routes import answer as page_answer

LINK = re.compile(r'value="(https?://[^"]+/f/[^"]+)"')


@pytest.fixture
def place(session):
    franchisor = FranchisorFactory(name="The Trust")
    partner = PartnerFactory(name="Partner A", franchisor=franchisor)
    course = CourseFactory(code="EVAL1", title="Mentoring certificate")
    confidence, _mentee = synced_surveys(course.code)
    cohort = ending_cohort(partner, course)
    enrolments = trainees_in(cohort, 5)
    session.commit()
    return {
        "partner": partner,
        "cohort": cohort,
        "confidence": confidence,
        "enrolments": enrolments,
        "trainee": session.get(User, enrolments[0].user_id),
        "coordinator": member(partner, Role.COORDINATOR),
        "admin": member(franchisor, Role.ADMIN),
        "admin_of": franchisor,
    }


ANSWERS = {"RM301-1": "2", "mood": "4", "ready": "Not yet", "hopes": "To listen better"}


def test_a_trainee_answers_at_the_start_and_end_and_sees_her_journey(session, place, signed_in):
    client = signed_in(place["trainee"])
    page = client.get("/surveys").get_data(as_text=True)
    assert "/surveys/confidence/start" in page
    assert "/surveys/confidence/end" in page
    form = client.get("/surveys/confidence/start")
    assert form.status_code == 200
    assert "Confident about outcome 1?" in form.get_data(as_text=True)
    refused = client.post("/surveys/confidence/start", data={"RM301-1": "9"})
    assert refused.status_code == 400
    assert "Please choose one of the points on the scale." in refused.get_data(as_text=True)
    assert client.post("/surveys/confidence/start", data=ANSWERS).status_code == 302
    again = client.post("/surveys/confidence/start", data=ANSWERS)
    assert again.status_code == 400
    assert "already answered" in again.get_data(as_text=True)
    assert "Once you have answered a survey at the start and at the end" in client.get(
        "/surveys"
    ).get_data(as_text=True)
    client.post("/surveys/confidence/end", data={**ANSWERS, "RM301-1": "4", "mood": "8"})
    page = client.get("/surveys").get_data(as_text=True)
    assert "My journey: How confident I feel" in page
    assert "At the start: 2; At the end: 4" in page  # her average five-point answer, read out
    stored = session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
    assert [(r.moment, r.respondent_id) for r in stored] == [
        (Moment.START, place["trainee"].id),
        (Moment.END, place["trainee"].id),
    ]


def test_a_mentee_answers_by_link_without_an_account_and_nothing_says_who(
    app, session, place, signed_in
):
    mentor = signed_in(place["trainee"])
    made = mentor.post("/surveys/mentee-links", data={"label": "Rose"})
    assert made.status_code == 200
    url = LINK.search(made.get_data(as_text=True)).group(1)
    token = url.rsplit("/", 1)[1]
    link = session.scalar(select(MenteeLink))
    assert link.token_hash != token
    assert token not in mentor.get("/surveys/mentee-links").get_data(as_text=True)

    mentee = app.test_client()
    page = mentee.get(f"/f/{token}")
    assert page.status_code == 200
    assert "You do not need to give your name" in page.get_data(as_text=True)
    audit_before = session.scalar(select(func.count()).select_from(AuditEvent))
    done = mentee.post(f"/f/{token}", data={"safer": "4", "else": "Thank you"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/f/thanks")
    session.expire_all()
    response = session.scalar(select(SurveyResponse))
    assert (response.respondent_id, response.enrolment_id, response.on_paper) == (
        None,
        None,
        False,
    )
    assert response.organisation_id == place["partner"].id
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
    assert ">1<" in mentor.get("/surveys/mentee-links").get_data(as_text=True)

    assert mentor.post(f"/surveys/mentee-links/{link.id}/close").status_code == 302
    closed = mentee.get(f"/f/{token}")
    assert closed.status_code == 404
    assert page_answer(closed) == page_answer(mentee.get("/f/not-a-real-token"))


def test_the_mentor_prints_the_form_and_enters_the_paper_answers(session, place, signed_in):
    mentor = signed_in(place["trainee"])
    mentor.post("/surveys/mentee-links", data={"label": ""})
    link = session.scalar(select(MenteeLink))
    paper = mentor.get(f"/surveys/mentee-links/{link.id}/paper").get_data(as_text=True)
    assert "Please do not write your name" in paper
    assert "☐ Strongly agree" in paper
    entered = mentor.post(f"/surveys/mentee-links/{link.id}/answers", data={"safer": "5"})
    assert entered.status_code == 302
    response = session.scalar(select(SurveyResponse))
    assert (response.on_paper, response.respondent_id) == (True, None)


def test_the_mentee_form_is_limited_per_link(app, session, place, config_overrides):
    from lms.practice.surveys.operations import create_mentee_link

    _, token = create_mentee_link(session, place["trainee"])
    session.commit()
    config_overrides["RATELIMIT_ENABLED"] = True
    # A fresh app, so the limiter reads the setting.
    from lms import create_app

    limited = create_app({**app.config, "RATELIMIT_ENABLED": True}).test_client()
    statuses = [limited.post(f"/f/{token}", data={}).status_code for _ in range(21)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def _answered_by_everyone(place):
    for index, enrolment in enumerate(place["enrolments"]):
        answer(enrolment, place["confidence"], Moment.START, confidence=2, text=f"Hope {index}")
        answer(enrolment, place["confidence"], Moment.END, confidence=4)


def test_coordinators_read_the_report_exports_and_written_answers(session, place, signed_in):
    _answered_by_everyone(place)
    session.commit()
    slug = place["partner"].slug
    coordinator = signed_in(place["coordinator"])
    page = coordinator.get(f"/organisations/{slug}/impact").get_data(as_text=True)
    assert "cannot show that the training alone caused the change" in page
    assert "+2.0" in page
    assert "The figures behind this chart" in page
    csv_text = coordinator.get(f"/organisations/{slug}/impact.csv").get_data(as_text=True)
    assert "Average change" in csv_text
    assert "Hope 0" not in csv_text  # written answers are never exported
    xlsx = coordinator.get(f"/organisations/{slug}/impact.xlsx")
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    xlsx.close()
    cohort_page = coordinator.get(f"/organisations/{slug}/cohorts/{place['cohort'].id}/impact")
    assert cohort_page.status_code == 200
    comments = coordinator.get(f"/organisations/{slug}/impact/comments")
    assert "Hope 3" in comments.get_data(as_text=True)
    admin = signed_in(place["admin"])
    assert admin.get(f"/organisations/{slug}/impact").status_code == 200
    franchise = admin.get(f"/organisations/{place['admin_of'].slug}/impact")
    assert f'href="/organisations/{slug}/impact"' in franchise.get_data(as_text=True)
    assert admin.get(f"/organisations/{slug}/impact/comments").status_code == 403
    assert "Hope 0" not in admin.get(f"/organisations/{slug}/impact").get_data(as_text=True)


def test_the_coordinators_home_shows_response_rates(session, place, signed_in):
    _answered_by_everyone(place)
    session.commit()
    home = signed_in(place["coordinator"]).get("/").get_data(as_text=True)
    assert "Evaluation and impact at Partner A" in home
    assert "How confident I feel, at the start: 5 of 5 (100.0%)" in home


def _count(count_queries, client, url):
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_new_list_pages_use_a_constant_number_of_queries(
    session, place, signed_in, count_queries
):
    from lms.practice.surveys.operations import answer_as_mentee, create_mentee_link

    mentor, slug = signed_in(place["trainee"]), place["partner"].slug
    coordinator = signed_in(place["coordinator"])
    urls = [
        (mentor, "/surveys/mentee-links"),
        (mentor, "/surveys"),
        (coordinator, f"/organisations/{slug}/impact"),
    ]
    link, _ = create_mentee_link(session, place["trainee"])
    answer_as_mentee(session, link, {"safer": ["3"]}, on_paper=False)
    session.commit()
    few = [_count(count_queries, client, url) for client, url in urls]
    for _ in range(4):
        link, _ = create_mentee_link(session, place["trainee"])
        answer_as_mentee(session, link, {"safer": ["3"]}, on_paper=True)
    _answered_by_everyone(place)
    trainees_in(place["cohort"], 6)
    session.commit()
    assert [_count(count_queries, client, url) for client, url in urls] == few


def test_a_survey_is_not_offered_at_a_moment_it_does_not_ask(place, signed_in):
    client = signed_in(place["trainee"])
    assert client.get("/surveys/confidence/follow_up").status_code == 404
    assert client.get("/surveys/mentee/start").status_code == 404
    assert client.get("/surveys/no-such-survey/start").status_code == 404


def test_her_answers_are_in_her_download_and_unlinked_when_she_is_erased(session, place):
    from lms import capabilities
    from lms.practice.surveys.operations import create_mentee_link

    enrolment, trainee = place["enrolments"][0], place["trainee"]
    answer(enrolment, place["confidence"], Moment.START, confidence=2, text="My own words")
    create_mentee_link(session, trainee, "Rose")
    [text] = [
        text
        for provider in capabilities.hooks("subject_access")
        for name, text in provider(session, trainee)
        if name == "surveys.json"
    ]
    assert '"RM301-1": 2.0' in text
    assert "My own words" in text
    assert '"label": "Rose"' in text
    for provider in capabilities.hooks("erase_person"):
        provider(session, trainee)
    session.expire_all()
    response = session.scalar(select(SurveyResponse))
    assert (response.respondent_id, response.enrolment_id) == (None, None)
    assert {a.question_id: (a.number, a.text) for a in session.scalars(select(SurveyAnswer))}[
        "hopes"
    ] == (None, None)
    link = session.scalar(select(MenteeLink))
    assert (link.label, link.is_open) == ("", False)


def test_a_feedback_link_label_that_names_her_mentee_is_refused_and_says_why(
    session, place, signed_in
):
    mentor = signed_in(place["trainee"])
    refused = mentor.post("/surveys/mentee-links", data={"label": "Sarah Jones"})
    assert refused.status_code == 400
    assert "full name" in refused.get_data(as_text=True)
    refused = mentor.post("/surveys/mentee-links", data={"label": "07700 900123"})
    assert refused.status_code == 400
    assert session.scalar(select(func.count()).select_from(MenteeLink)) == 0
