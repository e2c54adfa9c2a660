"""Each person's day on the home page: the trainee, the IQA, the EQA and the coordinator see
their own work first, from their own organisation only, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.accounts.roles import Role
from lms.accreditation.today import trainee_day
from lms.assessment.today import assessor_day, eqa_day, iqa_day
from lms.assessment.unit_status import UnitStatus
from lms.curriculum.queries import active_enrolments
from lms.db import clock_at, utcnow
from lms.extensions import db
from lms.franchise.today import QUIET_DAYS, coordinator_day
from tests.factories import add_evidence, member
from tests.factories.homes import working_day


@pytest.fixture
def day(app):
    return working_day()


@pytest.fixture
def elsewhere(app, day):
    """Another partner's day, which nobody above may see."""
    return working_day()


# --- the domain ---------------------------------------------------------------------------------


def test_the_trainee_day_says_where_she_left_off_and_what_waits(day):
    today = trainee_day(
        db.session,
        day.setting.trainee,
        active_enrolments(db.session, day.setting.trainee),
        utcnow(),
    )
    kinds = [item.kind for item in today.recent]
    assert sorted(kinds) == ["evidence", "lesson", "quiz"]
    assert today.recent[0].kind == "quiz"  # the last thing she did
    (qualification,) = today.qualifications
    assert [unit.code for unit, _ in qualification.referred] == [day.referred_unit_code]
    assert [retake.quiz.title for retake in today.retakes] == [day.quiz_title]
    assert qualification.total_units == 3
    assert qualification.counts[UnitStatus.REFERRED] == 1
    assert qualification.counts[UnitStatus.NOT_SUBMITTED] == 2
    assert not qualification.result.met
    assert qualification.result.still_needed
    assert qualification.summary == "0 of 3 units achieved"
    widths = [part.width for part in qualification.picture]
    assert sum(widths) == pytest.approx(100)


def test_a_quiz_to_wait_for_is_not_offered_yet(day):
    from tests.factories.quizzes import quiz_for_unit

    quiz = quiz_for_unit(day.setting.units[2], slug="waiting-quiz", wait_minutes=60)
    from lms.quizzes import operations as quizzes

    attempt = quizzes.start_attempt(db.session, day.setting.enrolment, quiz)
    quizzes.submit_attempt(db.session, attempt)
    db.session.commit()
    titles = [
        r.quiz.slug
        for r in trainee_day(
            db.session,
            day.setting.trainee,
            active_enrolments(db.session, day.setting.trainee),
            utcnow(),
        ).retakes
    ]
    assert "waiting-quiz" not in titles


def test_no_day_for_a_trainee_on_no_course(app, day):
    nobody = member(day.organisation, Role.TRAINEE)
    assert trainee_day(db.session, nobody, [], utcnow()) is None


def test_the_iqa_day_groups_her_samples_by_assessor_and_risk(day, elsewhere):
    today = iqa_day(db.session, day.setting.iqa)
    # The assessor's first two decisions are sampled: a referral, then a sign-off.
    assert today.pending == 2
    assert [(a.id, n) for a, n in today.by_assessor] == [(day.setting.assessor.id, 2)]
    assert dict(today.by_risk) == {
        "New assessor": 2,
        "Referral": 1,
        "First decision on the unit": 1,  # the sign-off came after her referral of the unit
    }
    referral, sign_off = today.oldest
    assert referral.trainee == day.setting.trainee.display_name
    assert referral.risks == ["New assessor", "Referral", "First decision on the unit"]
    assert sign_off.trainee == "Second Cai"
    assert sign_off.risks == ["New assessor"]
    (coverage,) = today.coverage
    assert coverage.organisation.id == day.organisation.id
    assert coverage.text == "2 of 2 decisions sampled (100%), 0 reviewed"
    assert [e.title for e in today.exercises] == ["Reflective accounts this term"]


def test_the_eqa_day_lists_her_grant_and_sample(day, elsewhere):
    today = eqa_day(db.session, day.eqa, utcnow().date())
    (grant,) = today.grants
    assert (grant.organisation.id, grant.learners, grant.days_left) == (day.organisation.id, 2, 20)
    assert {learner.person.display_name for learner in today.learners} == {
        day.setting.trainee.display_name,
        "Second Cai",
    }
    assert today.learner_total == 2
    assert [e.title for e in today.exercises] == ["Reflective accounts this term"]


def test_an_ended_grant_is_not_on_the_eqa_day(day):
    from lms.assessment.models import EqaGrant

    grant = db.session.query(EqaGrant).one()
    grant.ends_on = utcnow().date() - timedelta(days=1)
    db.session.commit()
    assert eqa_day(db.session, day.eqa, utcnow().date()).grants == []


def test_the_coordinator_day_finds_quiet_trainees_and_waiting_units(day, elsewhere):
    today = coordinator_day(db.session, day.organisation, utcnow())
    assert today.quiet_total == 1
    (quiet,) = today.quiet_trainees
    assert quiet.name == "Quiet Bea"
    assert quiet.days >= 30
    assert [c.cohort.id for c in today.quiet_cohorts] == [day.setting.cohort.id]
    assert today.waiting_total == 1
    (waiting,) = today.waiting
    assert waiting.submission_id == day.waiting.id
    assert waiting.days >= 30
    (licence,) = today.licences
    assert licence.seats_used == 3


def test_any_recent_activity_keeps_a_trainee_off_the_quiet_list(day):
    add_evidence(day.quiet, day.setting.criteria(), title="Something new")
    today = coordinator_day(db.session, day.organisation, utcnow())
    assert today.quiet_total == 0
    # ... until three weeks have gone by
    later = utcnow() + timedelta(days=QUIET_DAYS + 1)
    assert coordinator_day(db.session, day.organisation, later).quiet_total == 3


# --- the pages ----------------------------------------------------------------------------------


def test_the_trainee_home_shows_her_day_first(day, elsewhere, signed_in):
    page = signed_in(day.setting.trainee).get("/").get_data(as_text=True)
    assert page.index("Your day") < page.index("Your learning")
    assert "Pick up where you left off" in page
    assert f"Unit {day.referred_unit_code}: read your assessor" in page
    assert f"{day.quiz_title}: you can try again now" in page
    assert "0 of 3 units achieved" in page
    assert 'role="img"' in page
    assert "Still needed" in page
    assert elsewhere.setting.trainee.display_name not in page


def test_the_iqa_home_shows_her_samples(day, elsewhere, signed_in):
    sample_ids = [sample.sample_id for sample in iqa_day(db.session, day.setting.iqa).oldest]
    page = signed_in(day.setting.iqa).get("/").get_data(as_text=True)
    assert "Your quality assurance" in page
    assert all(f"/iqa/samples/{sample_id}" in page for sample_id in sample_ids)
    assert "Second Cai" in page
    assert "First decision on the unit" in page
    assert "Reflective accounts this term" in page
    assert elsewhere.organisation.name not in page
    assert "Your day" not in page


def test_the_assessor_home_shows_what_waits_for_her_longest_first(day, elsewhere, signed_in):
    waiting = assessor_day(db.session, day.setting.assessor)
    assert waiting.total >= 1
    page = signed_in(day.setting.assessor).get("/").get_data(as_text=True)
    assert "Your assessment work" in page
    assert "waiting for your decision" in page
    first = waiting.waiting[0]
    assert f"/assessment/submissions/{first.submission_id}" in page
    assert page.index("Your assessment work") < page.index("Portfolio and assessment")
    assert elsewhere.setting.trainee.display_name not in page


def test_the_eqa_home_shows_her_learners_and_time_left(day, elsewhere, signed_in):
    page = signed_in(day.eqa).get("/").get_data(as_text=True)
    assert "Your external review" in page
    assert "20 days left" in page
    assert day.setting.trainee.display_name in page
    assert elsewhere.setting.trainee.display_name not in page


def test_the_coordinator_home_shows_her_organisation_today(day, elsewhere, signed_in):
    page = signed_in(day.coordinator).get("/").get_data(as_text=True)
    assert f"Today at {day.organisation.name}" in page
    assert "3 of 20 seats used" in page
    assert "Quiet Bea" in page
    assert "waiting 30 days" in page
    assert page.index(f"Today at {day.organisation.name}") < page.index(
        f"Practice at {day.organisation.name}"
    )
    assert elsewhere.organisation.name not in page


# --- queries ------------------------------------------------------------------------------------


def _grow(day, times: int):
    """More of everything: trainees with decisions sampled for the IQA, trainees gone quiet
    with units waiting, learners given to the EQA, evidence for the main trainee."""
    from lms.assessment import quality
    from lms.assessment.models import Outcome
    from tests.factories.homes import _judge, _submit, _trainee

    setting = day.setting
    today = utcnow().date()
    for index in range(times):
        add_evidence(setting, setting.criteria(), title=f"More {index}")
        with clock_at(utcnow() - timedelta(days=25)):
            quiet = _trainee(setting, f"Quiet {index}")
            _submit(setting, quiet, setting.units[0], f"Old piece {index}")
        active = _trainee(setting, f"Active {index}")
        submission = _submit(setting, active, setting.units[0], f"Piece {index}")
        _judge(setting, submission, Outcome.SIGNED_OFF, setting.units[0])
        quality.grant_eqa_access(
            db.session,
            setting.organisation,
            day.coordinator,
            email=day.eqa.email,
            enrolment_ids=[quiet.id, active.id],
            starts_on=today,
            ends_on=today + timedelta(days=10 + index),
        )
    db.session.commit()


def _measure(count_queries, client):
    client.get("/")  # the first request writes the session's last-seen time
    with count_queries() as counter:
        assert client.get("/").status_code == 200
    return counter.count


def test_each_home_takes_the_same_queries_however_much_there_is(day, signed_in, count_queries):
    people = [day.setting.trainee, day.setting.assessor, day.setting.iqa, day.eqa, day.coordinator]
    clients = [signed_in(person) for person in people]
    before = [_measure(count_queries, client) for client in clients]
    # The trainee's home, exactly: her session with her memberships and her count of unread
    # notifications; her courses (read once for every section); lessons and evidence she
    # touched; her quiz attempts; the units and where each stands (three); her achievements;
    # practice still needed; quizzes she may try again; cohorts she is staff of.
    assert before[0] == 12
    before_waiting = assessor_day(db.session, day.setting.assessor).total
    _grow(day, 3)
    after = [_measure(count_queries, client) for client in clients]
    assert after == before
    # the data did grow
    assert coordinator_day(db.session, day.organisation, utcnow()).quiet_total == 4
    assert iqa_day(db.session, day.setting.iqa).pending == 5
    assert len(eqa_day(db.session, day.eqa, utcnow().date()).grants) == 4
    assert assessor_day(db.session, day.setting.assessor).total > before_waiting


# --- the demo -----------------------------------------------------------------------------------


def test_every_demo_person_has_a_home_and_each_trainee_the_record_s_count(app, session, signed_in):
    """On the real curriculum and the demo franchise: every person's home opens, and the
    units a trainee's picture calls achieved are those on her record."""
    from sqlalchemy import func, select, update

    from lms.accounts.models import User
    from lms.accreditation.models import UnitAchievement
    from lms.core.demo import load_demo
    from lms.curriculum.models import CourseUnit, Enrolment, EnrolmentStatus

    assert app.test_cli_runner().invoke(args=["courses", "sync"]).exit_code == 0
    load_demo(session)
    session.commit()
    session.execute(update(User).values(locale=None))  # the words compared are English
    session.commit()
    for person in session.scalars(select(User).order_by(User.id)).all():
        page = signed_in(person).get("/")
        assert page.status_code == 200, person.email
        enrolment = session.scalar(
            select(Enrolment)
            .where(Enrolment.user_id == person.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .order_by(Enrolment.enrolled_at.desc())
            .limit(1)
        )
        if enrolment is None:
            continue
        achieved = session.scalar(
            select(func.count())
            .select_from(UnitAchievement)
            .where(UnitAchievement.enrolment_id == enrolment.id)
        )
        units = session.scalar(
            select(func.count())
            .select_from(CourseUnit)
            .where(CourseUnit.course_id == enrolment.course_id)
        )
        noun = "unit" if units == 1 else "units"
        assert f"{achieved} of {units} {noun} achieved" in page.text, person.email


def test_a_quiet_first_day_says_so_kindly(app, signed_in):
    from tests.factories import PartnerFactory
    from tests.factories.portfolio import assessment_setting

    setting = assessment_setting(PartnerFactory(name="New Partner"))
    coordinator = member(setting.organisation, Role.COORDINATOR)
    eqa = member(setting.organisation, Role.EQA)
    db.session.commit()
    pages = {
        person: signed_in(person).get("/").get_data(as_text=True)
        for person in (setting.trainee, setting.assessor, setting.iqa, coordinator, eqa)
    }
    assert "Nothing is waiting for your decision. Thank you." in pages[setting.assessor]
    assert "Your first lesson is a good place to start" in pages[setting.trainee]
    assert "Nothing is waiting on you just now" in pages[setting.trainee]
    # Her course has no rules of combination: every unit is still needed.
    assert f"Unit {setting.units[0].code} (mandatory)" in pages[setting.trainee]
    assert "You have everything" not in pages[setting.trainee]
    assert "Nothing is waiting for you. Well done." in pages[setting.iqa]
    assert "No decisions yet" in pages[setting.iqa]
    assert "Every trainee has done something in the last three weeks" in pages[coordinator]
    assert "Nothing is waiting for an assessor" in pages[coordinator]
    assert "No learners have been given to you" in pages[eqa]
