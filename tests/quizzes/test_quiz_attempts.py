"""Attempts through the domain functions: syncing versions, starting (limits and waits),
saving as she goes, time limits, handing in once, and `quiz_passed`. Time is frozen by
passing `now`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.audit.models import AuditEvent
from lms.curriculum.operations import withdraw
from lms.errors import DomainError
from lms.extensions import db
from lms.quizzes import operations, queries
from lms.quizzes.models import Quiz, QuizAnswer, QuizAttempt
from lms.quizzes.operations import (
    AttemptClosed,
    TamperedForm,
    close_if_expired,
    save_answers,
    start_attempt,
    submit_attempt,
    sync_quizzes,
)
from tests.factories import UnitFactory, quiz_definition
from tests.quizzes.samples import ALL_RIGHT, ALL_WRONG, SINGLE, TRUE_FALSE, form_for

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def answer_all(session, attempt, answers, now):
    definition = attempt.quiz.parsed
    for question_id in attempt.question_ids:
        save_answers(
            session,
            attempt,
            question_id,
            form_for(definition, attempt.paper_key, question_id, answers),
            now=now,
        )


def stored_answers(session, attempt) -> dict:
    return queries.saved_answers(session, attempt)


# --- syncing quiz files -------------------------------------------------------------------------


def test_sync_adds_versions_only_when_content_changes(app, session):
    first = quiz_definition("U1", "sync-quiz")
    report = sync_quizzes(session, [first], now=T0)
    assert report.added == ["sync-quiz"]
    again = sync_quizzes(session, [quiz_definition("U1", "sync-quiz")], now=minutes(1))
    assert again.unchanged == ["sync-quiz"]
    changed = quiz_definition("U1", "sync-quiz", questions=[SINGLE], pass_mark=80)
    assert sync_quizzes(session, [changed], now=minutes(2)).changed == ["sync-quiz"]
    versions = session.scalars(
        select(Quiz).where(Quiz.slug == "sync-quiz").order_by(Quiz.version)
    ).all()
    assert [(q.version, q.is_current) for q in versions] == [(1, False), (2, True)]
    assert versions[1].parsed.pass_mark == 80
    assert versions[1].schema_version == 1
    assert versions[1].definition["schema_version"] == 1
    assert versions[0].parsed == first


def test_sync_retires_removed_quizzes_and_brings_them_back(app, session):
    definition = quiz_definition("U1", "comes-and-goes")
    sync_quizzes(session, [definition], now=T0)
    assert sync_quizzes(session, [], now=minutes(1)).retired == ["comes-and-goes"]
    assert session.scalar(select(Quiz.is_current).where(Quiz.slug == "comes-and-goes")) is False
    sync_quizzes(session, [definition], now=minutes(2))
    rows = session.scalars(select(Quiz).where(Quiz.slug == "comes-and-goes")).all()
    assert [(q.version, q.is_current) for q in rows] == [(1, True)]


def test_attempts_keep_the_version_they_took(app, session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    changed = quiz_definition(world.unit.code, world.quiz.slug, questions=[TRUE_FALSE])
    sync_quizzes(session, [changed], now=minutes(1))
    session.commit()
    session.expire_all()
    again = session.get(QuizAttempt, attempt.id)
    assert again.quiz_id == world.quiz.id
    assert len(again.question_ids) == 7
    assert submit_attempt(session, again, now=minutes(2))
    new_version = queries.current_quiz(session, world.quiz.slug)
    assert new_version.version == 2
    second = start_attempt(session, world.enrolment, new_version, now=minutes(3))
    assert second.number == 2
    assert second.question_ids == ["secrets"]


# --- starting -----------------------------------------------------------------------------------


def test_start_draws_a_fixed_paper_without_answers(app, session, quiz_world):
    world = quiz_world(time_limit_minutes=20)
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0, seed=42)
    assert attempt.number == 1
    assert attempt.user_id == world.trainee.id
    assert attempt.started_at == T0
    assert attempt.deadline == minutes(20)
    assert attempt.is_open
    assert attempt.paper_key["seed"] == 42
    assert "correct" not in str(attempt.paper)
    assert start_attempt(session, world.enrolment, world.quiz, now=minutes(1)) is attempt


def test_a_start_that_loses_a_race_resumes_the_attempt_that_won(
    app, session, quiz_world, monkeypatch
):
    world = quiz_world()
    won = start_attempt(session, world.enrolment, world.quiz, now=T0, seed=1)
    session.commit()

    def start_in_the_other_tab_too(session, enrolment, quiz):
        """As if the open attempt were not yet there: a second attempt number 1."""
        session.add(
            QuizAttempt(
                quiz=quiz,
                quiz_slug=quiz.slug,
                user_id=enrolment.user_id,
                enrolment_id=enrolment.id,
                number=1,
                seed=2,
                paper=won.paper,
                paper_key=won.paper_key,
                started_at=T0,
            )
        )
        session.flush()

    monkeypatch.setattr(operations, "start_attempt", start_in_the_other_tab_too)
    resumed = operations.start_or_resume_attempt(session, world.enrolment, world.quiz)
    assert resumed.id == won.id
    session.commit()  # only the losing start was undone: the transaction goes on
    assert session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_start_needs_an_active_enrolment(app, session, quiz_world):
    world = quiz_world()
    withdraw(session, world.enrolment)
    with pytest.raises(DomainError, match="withdrawn"):
        start_attempt(session, world.enrolment, world.quiz, now=T0)


def test_start_refuses_an_old_version(app, session, quiz_world):
    world = quiz_world()
    world.quiz.is_current = False
    with pytest.raises(DomainError, match="replaced by a newer version"):
        start_attempt(session, world.enrolment, world.quiz, now=T0)


def test_attempt_limit(app, session, quiz_world):
    world = quiz_world(attempts=2)
    for n in range(2):
        attempt = start_attempt(session, world.enrolment, world.quiz, now=minutes(n * 10))
        submit_attempt(session, attempt, now=minutes(n * 10 + 5))
    status = queries.availability_for(session, world.quiz, world.enrolment.id, minutes(30))
    assert (status.used, status.remaining, status.final) == (2, 0, True)
    with pytest.raises(DomainError, match="You have used all 2 attempts at this quiz"):
        start_attempt(session, world.enrolment, world.quiz, now=minutes(30))
    assert session.scalar(select(func.count(QuizAttempt.id))) == 2


def test_attempts_are_counted_per_enrolment(app, session, quiz_world):
    world = quiz_world(attempts=1)
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    submit_attempt(session, attempt, now=minutes(1))
    other = world.enrol()
    assert start_attempt(session, other, world.quiz, now=minutes(2)).number == 1


def test_wait_between_attempts(app, session, quiz_world):
    world = quiz_world(wait_minutes=30)
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    submit_attempt(session, attempt, now=minutes(5))
    with pytest.raises(DomainError) as raised:
        start_attempt(session, world.enrolment, world.quiz, now=minutes(15))
    # In her organisation's time zone (London, in winter), named.
    assert "You can start your next attempt in 20 minutes (at 10:35 GMT)" in raised.value.message
    status = queries.availability_for(session, world.quiz, world.enrolment.id, minutes(15))
    assert status.next_start_at == minutes(35)
    assert start_attempt(session, world.enrolment, world.quiz, now=minutes(35)).number == 2


def test_no_new_attempt_after_passing(app, session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    answer_all(session, attempt, ALL_RIGHT, minutes(1))
    submit_attempt(session, attempt, now=minutes(2))
    assert attempt.passed
    with pytest.raises(DomainError, match="You have passed this quiz"):
        start_attempt(session, world.enrolment, world.quiz, now=minutes(3))


# --- saving as she goes -------------------------------------------------------------------------


def test_answers_are_saved_changed_and_cleared(app, session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    definition, key = attempt.quiz.parsed, attempt.paper_key
    save_answers(
        session,
        attempt,
        "purpose",
        form_for(definition, key, "purpose", {"purpose": "b"}),
        now=minutes(1),
    )
    save_answers(
        session,
        attempt,
        "purpose",
        form_for(definition, key, "purpose", {"purpose": "a"}),
        now=minutes(2),
    )
    save_answers(
        session,
        attempt,
        "late-texts",
        form_for(definition, key, "late-texts", ALL_RIGHT),
        now=minutes(3),
    )
    session.commit()
    assert stored_answers(session, attempt) == {
        "purpose": "a",
        "late-first-step": "a",
        "late-boundary": True,
    }
    assert attempt.last_saved_at == minutes(3)
    save_answers(session, attempt, "purpose", {}, now=minutes(4))
    assert "purpose" not in stored_answers(session, attempt)
    assert session.scalar(select(func.count(QuizAnswer.id))) == 2


def test_tampered_answers_change_nothing(app, session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    definition, key = attempt.quiz.parsed, attempt.paper_key
    save_answers(
        session,
        attempt,
        "purpose",
        form_for(definition, key, "purpose", {"purpose": "a"}),
        now=minutes(1),
    )
    session.commit()
    signs_token = form_for(definition, key, "signs", {"signs": ["nights"]})["signs"]
    for question_id, form in [
        ("purpose", {"purpose": signs_token}),  # an option of another question
        ("not-a-question", {"purpose": "x"}),  # a question not in the attempt
        ("purpose", {"purpose": "a"}),  # the file's option id, not the page's token
    ]:
        with pytest.raises(TamperedForm):
            save_answers(session, attempt, question_id, form, now=minutes(2))
        session.rollback()
    assert stored_answers(session, attempt) == {"purpose": "a"}
    assert session.get(QuizAttempt, attempt.id).last_saved_at == minutes(1)


def test_nothing_is_saved_to_a_handed_in_attempt(app, session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    definition, key = attempt.quiz.parsed, attempt.paper_key
    submit_attempt(session, attempt, now=minutes(1))
    session.commit()
    with pytest.raises(AttemptClosed, match="already been handed in"):
        save_answers(
            session,
            attempt,
            "purpose",
            form_for(definition, key, "purpose", {"purpose": "a"}),
            now=minutes(2),
        )
    assert stored_answers(session, attempt) == {}


def test_a_stale_copy_cannot_save_after_hand_in(app, session, quiz_world):
    """A save whose copy of the attempt still looks open is refused by the database update."""
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    session.commit()
    attempt_id, definition, key = attempt.id, world.quiz.parsed, attempt.paper_key
    with Session(db.engine) as other:
        submit_attempt(other, other.get(QuizAttempt, attempt_id), now=minutes(1))
        other.commit()
    assert attempt.is_open  # this session has not seen the hand-in
    with pytest.raises(AttemptClosed):
        save_answers(
            session,
            attempt,
            "purpose",
            form_for(definition, key, "purpose", {"purpose": "a"}),
            now=minutes(2),
        )
    session.rollback()
    assert stored_answers(session, attempt) == {}


# --- time limits --------------------------------------------------------------------------------


def test_time_limit(app, session, quiz_world):
    world = quiz_world(time_limit_minutes=20)
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    definition, key = attempt.quiz.parsed, attempt.paper_key
    save_answers(
        session, attempt, "purpose", form_for(definition, key, "purpose", ALL_RIGHT), now=minutes(5)
    )
    session.commit()
    assert attempt.time_left(minutes(15)) == 300
    with pytest.raises(AttemptClosed, match="time for this attempt has run out"):
        save_answers(
            session,
            attempt,
            "secrets",
            form_for(definition, key, "secrets", ALL_RIGHT),
            now=minutes(20),
        )
    session.rollback()
    assert submit_attempt(session, attempt, now=minutes(45))
    assert attempt.submitted_at == minutes(20)
    assert attempt.timed_out
    assert attempt.graded_at == minutes(45)
    grade = queries.attempt_result(session, attempt, for_trainee=True, now=minutes(45)).grade
    assert grade.awarded == 1  # only "purpose" was saved in time


def test_an_expired_attempt_is_closed_when_next_seen(app, session, quiz_world):
    world = quiz_world(time_limit_minutes=10, attempts=3)
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    assert not close_if_expired(session, attempt, now=minutes(9))
    assert attempt.is_open
    second = start_attempt(session, world.enrolment, world.quiz, now=minutes(30))
    assert attempt.submitted_at == minutes(10)
    assert attempt.timed_out
    assert second.number == 2


def test_submit_within_time_is_not_timed_out(app, session, quiz_world):
    world = quiz_world(time_limit_minutes=10)
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    submit_attempt(session, attempt, now=minutes(9))
    assert attempt.submitted_at == minutes(9)
    assert not attempt.timed_out


# --- handing in ---------------------------------------------------------------------------------


def test_grading_on_hand_in(app, session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    answers = {**ALL_WRONG, "purpose": "a", "secrets": False, "signs": ["nights", "own-story"]}
    answer_all(session, attempt, answers, minutes(1))
    assert submit_attempt(session, attempt, now=minutes(2))
    # 1 + 2/3 + 1 out of 9 points = 29.629…%, stored rounded down
    assert str(attempt.score_percent) == "29.62"
    assert attempt.passed is False
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "quiz.attempt_submitted"))
    assert event.organisation_id == world.partner.id
    assert event.detail["passed"] is False


def test_double_submit_is_graded_once(app, session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    answer_all(session, attempt, ALL_RIGHT, minutes(1))
    assert submit_attempt(session, attempt, now=minutes(2))
    session.commit()
    assert not submit_attempt(session, attempt, now=minutes(3))
    assert attempt.submitted_at == minutes(2)
    assert attempt.graded_at == minutes(2)
    events = session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "quiz.attempt_submitted")
    )
    assert events == 1


def test_concurrent_submits_are_graded_once(app, session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    answer_all(session, attempt, ALL_RIGHT, minutes(1))
    session.commit()
    attempt_id = attempt.id
    engine = db.engine
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def hand_in(offset: int) -> None:
        try:
            # Each hand-in is a request of its own: the app signs what it writes.
            with app.app_context(), Session(engine) as own:
                copy = own.get(QuizAttempt, attempt_id)
                own.get(Quiz, copy.quiz_id)
                barrier.wait(timeout=10)
                outcomes.append(submit_attempt(own, copy, now=minutes(2 + offset)))
                own.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=hand_in, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(outcomes) == [False, True]
    session.expire_all()
    graded = session.get(QuizAttempt, attempt_id)
    assert graded.passed is True
    assert graded.submitted_at in (minutes(2), minutes(3))
    events = session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "quiz.attempt_submitted")
    )
    assert events == 1


# --- for the assessment of the unit -------------------------------------------------------------


def test_quiz_passed(app, session, quiz_world):
    world = quiz_world()
    other_enrolment = world.enrol()
    assert not queries.quiz_passed(session, world.enrolment, world.unit)
    failed = start_attempt(session, world.enrolment, world.quiz, now=T0)
    submit_attempt(session, failed, now=minutes(1))
    assert not queries.quiz_passed(session, world.enrolment, world.unit)
    passed = start_attempt(session, world.enrolment, world.quiz, now=minutes(2))
    answer_all(session, passed, ALL_RIGHT, minutes(3))
    submit_attempt(session, passed, now=minutes(4))
    assert queries.quiz_passed(session, world.enrolment, world.unit)
    assert not queries.quiz_passed(session, other_enrolment, world.unit)
    assert not queries.quiz_passed(session, world.enrolment, UnitFactory())
