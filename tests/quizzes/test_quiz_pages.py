"""Quizzes through HTTP, as trainees and staff use them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.curriculum.models import CohortRole
from lms.curriculum.operations import assign_staff
from lms.db import utcnow
from lms.quizzes import queries
from lms.quizzes.models import Quiz, QuizAnswer, QuizAttempt
from lms.quizzes.operations import save_answers, start_attempt, submit_attempt
from lms.web import MAX_ID
from tests.factories import FranchisorFactory, PartnerFactory, member
from tests.quizzes.samples import ALL_RIGHT, ALL_WRONG, form_for
from tests.routes import assert_answers_as_missing


def start(client, quiz) -> int:
    response = client.post(f"/quizzes/{quiz.slug}/start")
    assert response.status_code == 303, response.data
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def attempt_of(session, attempt_id: int) -> QuizAttempt:
    session.expire_all()
    return queries.get_attempt(session, attempt_id)


def secrets_of(definition) -> list[str]:
    """Everything a page must not show before the attempt is handed in."""
    texts = ["clinical supervision"]
    for question in definition.questions:
        texts.append(getattr(question, "explanation", None))
    for question in definition.leaf_questions():
        texts += [question.explanation, getattr(question, "feedback_true", None)]
        texts.append(getattr(question, "feedback_false", None))
        texts += [o.feedback for o in getattr(question, "options", ())]
        texts += [f'value="{o.id}"' for o in getattr(question, "options", ())]
    return [t for t in texts if t]


def assert_no_answers_in(html: str, definition) -> None:
    lowered = html.lower()
    leaked = [text for text in secrets_of(definition) if text.lower() in lowered]
    assert leaked == []
    assert "correct" not in lowered
    assert "explanation" not in lowered


def post_answers(client, attempt, question_id: str, answers: dict, **headers):
    definition = object_session(attempt).get(Quiz, attempt.quiz_id).parsed
    form = form_for(definition, attempt.paper_key, question_id, answers)
    return client.post(
        f"/quizzes/attempts/{attempt.id}/questions/{question_id}",
        data=form,
        headers=headers,
    )


# --- a trainee's journey ------------------------------------------------------------------------


def test_a_trainee_takes_a_quiz_without_javascript(app, session, quiz_world, signed_in):
    world = quiz_world(attempts=2)
    client = signed_in(world.trainee)
    definition = world.quiz.parsed

    index = client.get("/quizzes/").get_data(as_text=True)
    assert world.quiz.title in index
    overview = client.get(f"/quizzes/{world.quiz.slug}").get_data(as_text=True)
    assert "Start the quiz" in overview

    attempt_id = start(client, world.quiz)
    attempt = attempt_of(session, attempt_id)
    page = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert "0 of 7 questions answered" in page
    assert_no_answers_in(page, definition)

    for question_id in attempt.question_ids:
        url = f"/quizzes/attempts/{attempt_id}/questions/{question_id}"
        html = client.get(url).get_data(as_text=True)
        assert_no_answers_in(html, definition)
        form = form_for(definition, attempt.paper_key, question_id, ALL_RIGHT)
        form.add("then", "next")
        response = client.post(url, data=form)
        assert response.status_code == 303

    # A reload loses nothing: saved answers are shown again, still without any key.
    first = attempt.question_ids[0]
    again = client.get(f"/quizzes/attempts/{attempt_id}/questions/{first}").get_data(as_text=True)
    assert " checked" in again
    assert_no_answers_in(again, definition)
    assert "7 of 7 questions answered" in client.get(f"/quizzes/attempts/{attempt_id}").get_data(
        as_text=True
    )

    response = client.post(f"/quizzes/attempts/{attempt_id}/submit")
    assert response.status_code == 303
    result = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert "100%" in result
    assert "You passed. Well done." in result
    assert "Walking alongside, not leading." in result  # explanations once she has passed
    assert "Correct answer" in result
    assert attempt_of(session, attempt_id).passed is True
    history = client.get("/quizzes/history").get_data(as_text=True)
    assert "Attempt 1" in history


def test_ordering_items_never_appear_in_their_correct_order(app, session, quiz_world, signed_in):
    world = quiz_world()
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    html = client.get(f"/quizzes/attempts/{attempt.id}/questions/disclosure-steps").get_data(
        as_text=True
    )
    items = ["Listen", "Believe her", "Explain next steps", "Record and report"]
    positions = [html.index(f">{item}</label>") for item in items]
    assert positions != sorted(positions)


def test_autosave_answers_with_json(app, session, quiz_world, signed_in):
    world = quiz_world()
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    response = post_answers(
        client,
        attempt,
        "supervision-word",
        {"supervision-word": "supervision"},
        **{"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    assert response.json["saved"] is True
    assert response.json["message"].startswith("Saved at")
    assert queries.saved_answers(session, attempt) == {"supervision-word": "supervision"}


def test_the_page_loads_the_autosave_script(app, session, quiz_world, signed_in):
    world = quiz_world()
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    html = client.get(f"/quizzes/attempts/{attempt.id}/questions/purpose").get_data(as_text=True)
    assert "js/quiz.js" in html
    assert "data-autosave" in html
    assert 'name="csrf_token"' in html
    script = client.get("/static/js/quiz.js")
    assert script.status_code == 200
    script.close()


# --- bad and tampered posts ---------------------------------------------------------------------


def test_tampered_posts_are_refused_and_change_nothing(app, session, quiz_world, signed_in):
    world = quiz_world()
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    post_answers(client, attempt, "purpose", {"purpose": "a"})
    before = queries.saved_answers(session, attempt)
    signs_token = form_for(attempt.quiz.parsed, attempt.paper_key, "signs", {"signs": ["nights"]})
    url = f"/quizzes/attempts/{attempt.id}/questions"

    another_questions_option = client.post(f"{url}/purpose", data={"purpose": signs_token["signs"]})
    assert another_questions_option.status_code == 400
    assert "did not match your quiz" in another_questions_option.get_data(as_text=True)
    not_in_attempt = client.post(f"{url}/no-such-question", data={"no-such-question": "x"})
    assert not_in_attempt.status_code == 400
    other_field = client.post(f"{url}/purpose", data={"secrets": "true"})
    assert other_field.status_code == 400
    as_json = client.post(
        f"{url}/purpose", data={"purpose": "a"}, headers={"X-Requested-With": "fetch"}
    )
    assert as_json.status_code == 400
    assert as_json.json["saved"] is False

    session.expire_all()
    assert queries.saved_answers(session, attempt) == before


def test_another_persons_attempt_is_not_found(app, session, quiz_world, signed_in):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz)
    session.commit()
    classmate = member(world.partner, Role.TRAINEE)
    world.enrol(classmate, cohort=world.cohort)
    foreign_partner = PartnerFactory(franchisor=FranchisorFactory())
    outsider = member(foreign_partner, Role.TRAINEE)
    world.enrol(outsider, organisation=foreign_partner)
    for person in (classmate, outsider):
        client = signed_in(person)
        assert post_answers(client, attempt, "purpose", ALL_RIGHT).status_code == 404
        assert client.post(f"/quizzes/attempts/{attempt.id}/submit").status_code == 404
        assert client.get(f"/quizzes/attempts/{attempt.id}").status_code == 404
        assert client.get(f"/quizzes/attempts/{attempt.id}/questions/purpose").status_code == 404
    session.expire_all()
    assert queries.saved_answers(session, attempt) == {}
    assert session.get(QuizAttempt, attempt.id).is_open


def test_answers_to_a_handed_in_attempt_are_refused(app, session, quiz_world, signed_in):
    world = quiz_world()
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    post_answers(client, attempt, "purpose", {"purpose": "b"})
    client.post(f"/quizzes/attempts/{attempt.id}/submit")

    response = post_answers(client, attempt, "purpose", {"purpose": "a"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already been handed in, so its answers can no longer change" in page
    as_json = post_answers(
        client, attempt, "purpose", {"purpose": "a"}, **{"X-Requested-With": "fetch"}
    )
    assert as_json.status_code == 409
    assert as_json.json["closed"] is True
    session.expire_all()
    assert queries.saved_answers(session, attempt) == {"purpose": "b"}
    question_page = client.get(f"/quizzes/attempts/{attempt.id}/questions/purpose")
    assert question_page.status_code == 302


def test_double_submit_is_graded_once(app, session, quiz_world, signed_in):
    world = quiz_world()
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    assert client.post(f"/quizzes/attempts/{attempt.id}/submit").status_code == 303
    second = client.post(f"/quizzes/attempts/{attempt.id}/submit", follow_redirects=True)
    assert "already been handed in" in second.get_data(as_text=True)
    events = session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "quiz.attempt_submitted")
    )
    assert events == 1


def test_unknown_attempt_and_question(app, session, quiz_world, signed_in):
    world = quiz_world()
    client = signed_in(world.trainee)
    attempt_id = start(client, world.quiz)
    assert client.get("/quizzes/attempts/999999").status_code == 404
    assert client.get(f"/quizzes/attempts/{attempt_id}/questions/nope").status_code == 404
    assert client.get("/quizzes/no-such-quiz").status_code == 404


def test_another_organisations_attempt_answers_as_if_it_did_not_exist(
    app, session, quiz_world, signed_in
):
    """Not 403, which would confirm that the attempt is there."""
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz)
    session.commit()
    elsewhere = PartnerFactory(franchisor=FranchisorFactory())
    trainee = member(elsewhere, Role.TRAINEE)
    world.enrol(trainee, organisation=elsewhere)
    a, m = attempt.id, MAX_ID
    for person in (trainee, member(elsewhere, Role.COORDINATOR)):
        client = signed_in(person)
        for method, url, missing in [
            ("GET", f"/quizzes/attempts/{a}", f"/quizzes/attempts/{m}"),
            (
                "GET",
                f"/quizzes/attempts/{a}/questions/purpose",
                f"/quizzes/attempts/{m}/questions/purpose",
            ),
            (
                "POST",
                f"/quizzes/attempts/{a}/questions/purpose",
                f"/quizzes/attempts/{m}/questions/purpose",
            ),
            ("POST", f"/quizzes/attempts/{a}/submit", f"/quizzes/attempts/{m}/submit"),
        ]:
            assert_answers_as_missing(client, url, missing, method)
    session.expire_all()
    assert session.get(QuizAttempt, attempt.id).is_open


def test_only_enrolled_trainees_may_start(app, session, quiz_world, signed_in):
    world = quiz_world()
    stranger = member(world.partner, Role.TRAINEE)
    client = signed_in(stranger)
    assert client.post(f"/quizzes/{world.quiz.slug}/start").status_code == 403
    html = client.get(f"/quizzes/{world.quiz.slug}").get_data(as_text=True)
    assert "once you are enrolled" in html
    assert session.scalar(select(func.count(QuizAttempt.id))) == 0


# --- time, limits and waits ---------------------------------------------------------------------


def test_time_limit_over_http(app, session, quiz_world, signed_in):
    world = quiz_world(time_limit_minutes=15)
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    assert "Time left: about 15 minutes" in client.get(
        f"/quizzes/attempts/{attempt.id}/questions/purpose"
    ).get_data(as_text=True)
    post_answers(client, attempt, "purpose", ALL_RIGHT)
    attempt.deadline = utcnow() - timedelta(seconds=1)  # the time runs out
    session.commit()

    late = post_answers(client, attempt, "secrets", ALL_RIGHT, **{"X-Requested-With": "fetch"})
    assert late.status_code == 409
    assert "run out" in late.json["message"]
    response = client.get(f"/quizzes/attempts/{attempt.id}/questions/secrets")
    assert response.status_code == 302
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ran out" in result
    session.expire_all()
    closed = session.get(QuizAttempt, attempt.id)
    assert closed.timed_out
    assert closed.submitted_at == closed.deadline
    assert queries.saved_answers(session, closed) == {"purpose": "a"}


def test_limits_and_waits_are_explained(app, session, quiz_world, signed_in):
    world = quiz_world(attempts=2, wait_minutes=30)
    client = signed_in(world.trainee)
    attempt_id = start(client, world.quiz)
    client.post(f"/quizzes/attempts/{attempt_id}/submit")
    result = client.get(f"/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert "You can start your next attempt in 30 minutes" in result
    overview = client.get(f"/quizzes/{world.quiz.slug}").get_data(as_text=True)
    assert "You can start your next attempt in 30 minutes" in overview
    assert "Start another attempt" not in overview
    refused = client.post(f"/quizzes/{world.quiz.slug}/start", follow_redirects=True)
    assert "You can start your next attempt" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_two_starts_at_once_give_one_attempt(app, session, quiz_world, signed_in):
    world = quiz_world()
    client = signed_in(world.trainee)
    first = start(client, world.quiz)
    assert start(client, world.quiz) == first
    assert session.scalar(select(func.count(QuizAttempt.id))) == 1


# --- review settings ----------------------------------------------------------------------------


def failed_attempt_page(session, signed_in, world) -> str:
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    for question_id in attempt.question_ids:
        post_answers(client, attempt, question_id, ALL_WRONG)
    client.post(f"/quizzes/attempts/{attempt.id}/submit")
    return client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)


def test_review_none_shows_only_the_score(app, session, quiz_world, signed_in):
    world = quiz_world(review={"after_each_attempt": "none", "correct_answers": "never"})
    html = failed_attempt_page(session, signed_in, world)
    assert "0%" in html
    assert "have not reached the pass mark" in html
    assert "does not show the questions again" in html
    assert_no_answers_in(html.replace("have not reached", ""), world.quiz.parsed)


def test_review_correctness_shows_right_and_wrong_only(app, session, quiz_world, signed_in):
    world = quiz_world(review={"after_each_attempt": "correctness", "correct_answers": "never"})
    html = failed_attempt_page(session, signed_in, world)
    assert "Not correct" in html
    assert "That takes her power away." not in html  # feedback
    assert "Walking alongside, not leading." not in html  # explanation
    assert "Correct answer" not in html


def test_feedback_before_the_final_attempt_and_answers_after(app, session, quiz_world, signed_in):
    world = quiz_world(attempts=2)
    first = failed_attempt_page(session, signed_in, world)
    assert "That takes her power away." in first  # feedback on what she chose
    assert "Correct answer" not in first
    assert "Walking alongside, not leading." not in first
    assert "shown once you pass or have used your last attempt" in first
    final = failed_attempt_page(session, signed_in, world)
    assert "Correct answer" in final
    assert "Walking alongside, not leading." in final
    assert "Answers that were accepted: supervision, clinical supervision" in final


# --- staff --------------------------------------------------------------------------------------


@pytest.fixture
def submitted(session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz)
    definition = world.quiz.parsed
    for question_id in attempt.question_ids:
        save_answers(
            session,
            attempt,
            question_id,
            form_for(definition, attempt.paper_key, question_id, ALL_RIGHT),
        )
    submit_attempt(session, attempt)
    session.commit()
    return world, attempt


def test_staff_who_may_see_a_trainees_attempt(app, session, submitted, signed_in):
    world, attempt = submitted
    assessor = member(world.partner, Role.ASSESSOR)
    assign_staff(session, world.cohort, assessor, CohortRole.ASSESSOR)
    session.commit()
    coordinator = member(world.partner, Role.COORDINATOR)
    admin = member(world.franchisor, Role.ADMIN)
    unassigned_assessor = member(world.partner, Role.ASSESSOR)
    iqa = member(world.partner, Role.IQA)
    other = PartnerFactory(franchisor=FranchisorFactory())
    outsiders = [
        unassigned_assessor,
        iqa,
        member(other, Role.COORDINATOR),
        member(other.franchisor, Role.ADMIN),
        member(world.partner, Role.TRAINEE),
    ]
    url = f"/quizzes/attempts/{attempt.id}"
    for person in (assessor, coordinator, admin):
        html = signed_in(person).get(url).get_data(as_text=True)
        assert world.trainee.display_name in html
        assert "Correct answer" in html
        results = signed_in(person).get("/quizzes/results").get_data(as_text=True)
        assert world.trainee.display_name in results
    for person in outsiders:
        assert signed_in(person).get(url).status_code == 404
    results = signed_in(unassigned_assessor).get("/quizzes/results").get_data(as_text=True)
    assert world.trainee.display_name not in results
    assert "No attempts to show." in results


def test_results_can_be_filtered_by_quiz_and_trainee(app, session, submitted, signed_in):
    world, _ = submitted
    coordinator = member(world.partner, Role.COORDINATOR)
    client = signed_in(coordinator)
    assert "1 attempt." in client.get(f"/quizzes/results?quiz={world.quiz.slug}").get_data(
        as_text=True
    )
    assert "0 attempts." in client.get("/quizzes/results?quiz=another-quiz").get_data(as_text=True)
    by_trainee = client.get(f"/quizzes/results?trainee={world.trainee.id}").get_data(as_text=True)
    assert "1 attempt." in by_trainee


def test_item_analysis_is_scoped(app, session, submitted, signed_in):
    world, _ = submitted
    second_partner = PartnerFactory(franchisor=world.franchisor)
    enrolment = world.enrol(organisation=second_partner)
    other_attempt = start_attempt(session, enrolment, world.quiz)
    submit_attempt(session, other_attempt)
    session.commit()
    admin = member(world.franchisor, Role.ADMIN)
    coordinator = member(world.partner, Role.COORDINATOR)
    outsider_admin = member(FranchisorFactory(), Role.ADMIN)
    url = f"/quizzes/{world.quiz.slug}/analysis"

    def attempts_shown(person) -> int:
        html = signed_in(person).get(url).get_data(as_text=True)
        return int(re.search(r"<dt>Attempts</dt><dd>(\d+)</dd>", html).group(1))

    assert attempts_shown(admin) == 2
    assert attempts_shown(coordinator) == 1
    assert attempts_shown(outsider_admin) == 0
    html = signed_in(admin).get(url).get_data(as_text=True)
    assert "How often each option was chosen" in html
    assert "Discrimination" in html
    assert signed_in(world.trainee).get(url).status_code == 403
    assert signed_in(member(world.partner, Role.ASSESSOR)).get(url).status_code == 403


def test_index_for_staff_links_to_analysis(app, session, submitted, signed_in):
    world, _ = submitted
    html = (
        signed_in(member(world.partner, Role.COORDINATOR)).get("/quizzes/").get_data(as_text=True)
    )
    assert f"/quizzes/{world.quiz.slug}/analysis" in html
    home = signed_in(member(world.partner, Role.COORDINATOR)).get("/").get_data(as_text=True)
    assert "Quiz results" in home
    trainee_home = signed_in(world.trainee).get("/").get_data(as_text=True)
    assert "Your quizzes" in trainee_home


# --- query counts -------------------------------------------------------------------------------


def count(count_queries, client, url: str) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_attempt_pages_use_a_constant_number_of_queries(
    app, session, quiz_world, signed_in, count_queries
):
    world = quiz_world()
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    urls = [
        f"/quizzes/attempts/{attempt.id}",
        f"/quizzes/attempts/{attempt.id}/questions/late-texts",
    ]
    few = [count(count_queries, client, url) for url in urls]
    for question_id in attempt.question_ids:
        post_answers(client, attempt, question_id, ALL_RIGHT)
    many = [count(count_queries, client, url) for url in urls]
    assert few == many
    client.post(f"/quizzes/attempts/{attempt.id}/submit")
    result_url = f"/quizzes/attempts/{attempt.id}"
    assert count(count_queries, client, result_url) <= few[0] + 3


def test_history_uses_a_constant_number_of_queries(
    app, session, quiz_world, signed_in, count_queries
):
    world = quiz_world(attempts=20)
    client = signed_in(world.trainee)

    def attempt_once():
        attempt = start_attempt(session, world.enrolment, world.quiz)
        submit_attempt(session, attempt)
        session.commit()

    attempt_once()
    few = count(count_queries, client, "/quizzes/history")
    few_index = count(count_queries, client, "/quizzes/")
    for _ in range(6):
        attempt_once()
    assert count(count_queries, client, "/quizzes/history") == few
    assert count(count_queries, client, "/quizzes/") == few_index
    coordinator = signed_in(member(world.partner, Role.COORDINATOR))
    results = count(count_queries, coordinator, "/quizzes/results")
    attempt_once()
    assert count(count_queries, coordinator, "/quizzes/results") == results
    assert session.scalar(select(func.count(QuizAnswer.id))) == 0


# --- which questions were wrong, after a failed attempt ------------------------------------------


def _first_right_rest_wrong(session, signed_in, world) -> tuple[list[str], str]:
    client = signed_in(world.trainee)
    attempt = attempt_of(session, start(client, world.quiz))
    first, *rest = attempt.question_ids
    post_answers(client, attempt, first, ALL_RIGHT)
    for question_id in rest:
        post_answers(client, attempt, question_id, ALL_WRONG)
    client.post(f"/quizzes/attempts/{attempt.id}/submit")
    page = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    return attempt.question_ids, page


def _summary(page: str) -> str:
    return page.split("Questions to look at again", 1)[1].split("</div>", 1)[0]


def test_a_failed_attempt_lists_the_questions_to_look_at_again_when_correctness_is_shown(
    app, session, quiz_world, signed_in
):
    world = quiz_world(review={"after_each_attempt": "correctness", "correct_answers": "never"})
    question_ids, page = _first_right_rest_wrong(session, signed_in, world)
    assert "not reached the pass mark" in page
    summary = _summary(page)
    assert f'href="#review-{question_ids[0]}"' not in summary
    for number, question_id in enumerate(question_ids[1:], 2):
        assert f'<a href="#review-{question_id}">Question {number}</a>: not correct' in summary
        assert f'id="review-{question_id}"' in page  # the link leads to the question
    # Which were wrong, never what was right.
    assert "Correct answer" not in page
    assert "Walking alongside, not leading." not in page


def test_no_list_of_wrong_questions_when_the_quiz_keeps_correctness_back(
    app, session, quiz_world, signed_in
):
    world = quiz_world(review={"after_each_attempt": "none", "correct_answers": "never"})
    _, page = _first_right_rest_wrong(session, signed_in, world)
    assert "not reached the pass mark" in page
    assert "Questions to look at again" not in page
    assert "#review-" not in page
    assert "Not correct" not in page
