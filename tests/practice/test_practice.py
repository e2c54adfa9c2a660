"""Practice placements, supervision, flags and the award (domain level, no HTTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms import capabilities
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accreditation.operations import award_for, evaluate_enrolment, issue_award
from lms.accreditation.queries import learner_record
from lms.audit.models import AuditEvent
from lms.curriculum.models import Enrolment
from lms.db import clock_at, utcnow
from lms.errors import DomainError
from lms.permissions import can
from lms.practice import hooks, operations, queries
from lms.practice.figures import impact_figures
from lms.practice.models import JournalEntry, PracticeRequirement
from lms.practice.progress import practice_hours
from tests.factories import PartnerFactory, member
from tests.factories.accreditation import complete, enrol_trainee, make_qualification, staff_for


@pytest.fixture
def setting(session):
    partner = PartnerFactory(name="Northside Women's Centre")
    qualification = make_qualification()
    session.add(
        PracticeRequirement(course_id=qualification.course.id, hours=3, supervision_sessions=2)
    )
    enrolment = enrol_trainee(qualification, partner, display_name="Amira Hassan")
    supervisor = member(partner, Role.ASSESSOR, display_name="Sam Supervisor")
    session.commit()
    return partner, qualification, enrolment, supervisor


def _her(session, enrolment):
    return session.get(User, enrolment.user_id)


def _relationship(session, enrolment, name="Bluebird", days_ago=10):
    return operations.start_relationship(
        session,
        enrolment,
        pseudonym=name,
        started_on=utcnow().date() - timedelta(days=days_ago),
        goals="To feel less alone.",
    )


def _log(session, mentoring, enrolment, minutes=60, days_ago=1, **kinds):
    return operations.log_session(
        session,
        mentoring,
        enrolment,
        held_on=utcnow().date() - timedelta(days=days_ago),
        minutes=minutes,
        mode=kinds.get("mode", "in_person"),
        support=kinds.get("support", "emotional"),
        service=kinds.get("service"),
        note="We talked about her week.",
    )


def _supervise(session, partner, supervisor, enrolments, days_ago=2):
    return operations.record_supervision(
        session,
        partner,
        supervisor,
        enrolments,
        held_on=utcnow().date() - timedelta(days=days_ago),
        topics="Boundaries and endings.",
        actions=[("Bring one hard session", utcnow().date() + timedelta(days=7))],
    )


# --- relationships and sessions -------------------------------------------------------------------


def test_a_relationship_is_started_logged_and_closed_with_its_review(session, setting):
    _, _, enrolment, _ = setting
    mentoring = _relationship(session, enrolment)
    _log(session, mentoring, enrolment, minutes=90)
    _log(session, mentoring, enrolment, support="bridge", service="housing", mode="phone")
    operations.close_relationship(
        session,
        mentoring,
        closed_on=utcnow().date(),
        kind="planned",
        achieved="She found a home.",
        learned="To plan the ending early.",
    )
    [loaded] = queries.relationships_of(session, enrolment)
    assert loaded.pseudonym == "Bluebird"
    assert not loaded.is_open
    assert [s.minutes for s in loaded.sessions] == [90, 60]
    assert loaded.sessions[1].service.label == "Housing"
    with pytest.raises(DomainError, match="closed"):
        _log(session, mentoring, enrolment)


def test_the_pseudonym_guard_stands_in_front_of_the_record(session, setting):
    _, _, enrolment, _ = setting
    with pytest.raises(DomainError) as refused:
        _relationship(session, enrolment, name="Maria Lopez")
    assert refused.value.field == "pseudonym"
    assert "first name and a surname" in refused.value.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": 600}, "minutes"),
        ({"days_ago": -1}, "held_on"),
        ({"days_ago": 20}, "held_on"),
        ({"support": "bridge"}, "service"),
    ],
)
def test_a_session_is_refused_when_it_cannot_be_right(session, setting, change, field):
    _, _, enrolment, _ = setting
    mentoring = _relationship(session, enrolment)
    with pytest.raises(DomainError) as refused:
        _log(session, mentoring, enrolment, **change)
    assert refused.value.field == field


def test_a_bridge_names_the_kind_of_service_and_nothing_else(session, setting):
    _, _, enrolment, _ = setting
    mentoring = _relationship(session, enrolment)
    logged = _log(session, mentoring, enrolment, support="emotional", service="legal")
    assert logged.service is None


# --- supervision, flags and the pause -----------------------------------------------------------


def test_a_flag_that_pauses_practice_stops_new_sessions_until_followed_up(session, setting):
    _, _, enrolment, supervisor = setting
    operations.assign_supervisor(session, enrolment, supervisor)
    mentoring = _relationship(session, enrolment)
    flag = operations.raise_flag(
        session,
        enrolment,
        supervisor,
        kind="over_identification",
        follow_up_on=utcnow().date() + timedelta(days=3),
        note="Close to her own story.",
        pauses_practice=True,
    )
    with pytest.raises(DomainError, match="paused"):
        _log(session, mentoring, enrolment)
    with pytest.raises(DomainError, match="paused"):
        _relationship(session, enrolment, name="Robin")
    operations.follow_up_flag(session, flag, supervisor, outcome="Talked it through.")
    assert _log(session, mentoring, enrolment).minutes == 60


def test_a_flag_not_followed_up_by_its_date_is_overdue_for_the_coordinator(session, setting):
    partner, _, enrolment, supervisor = setting
    with clock_at(utcnow() - timedelta(days=10)):
        flag = operations.raise_flag(
            session,
            enrolment,
            supervisor,
            kind="boundary",
            follow_up_on=utcnow().date() + timedelta(days=3),
        )
    today = utcnow().date()
    ids = select(type(enrolment).id).where(type(enrolment).organisation_id == partner.id)
    assert queries.overdue_flags(session, ids, today) == [flag]
    weeks, _cohorts = queries.weekly_overdue_by_cohort(session, partner, today)
    assert len(weeks) == 4
    assert weeks[-1] == today
    operations.follow_up_flag(session, flag, supervisor, outcome="Limits agreed.")
    assert queries.overdue_flags(session, ids, today) == []


def test_the_weekly_count_counts_a_flag_in_each_week_it_stood_overdue(session, setting):
    from lms.curriculum.models import Cohort

    partner, qualification, enrolment, supervisor = setting
    cohort = Cohort(
        organisation_id=partner.id,
        course_id=qualification.course.id,
        name="Spring",
        name_key="spring",
    )
    session.add(cohort)
    session.flush()
    enrolment.cohort_id = cohort.id
    with clock_at(utcnow() - timedelta(days=20)):
        operations.raise_flag(
            session,
            enrolment,
            supervisor,
            kind="wellbeing",
            follow_up_on=utcnow().date() + timedelta(days=2),
        )
    _weeks, rows = queries.weekly_overdue_by_cohort(session, partner, utcnow().date())
    [row] = rows
    # Due 18 days ago: overdue at the end of the weeks ending 14, 7 and 0 days ago.
    assert row.cohort.name == "Spring"
    assert row.counts == [0, 1, 1, 1]


def test_the_trainee_reads_her_flags_in_kind_words(session, setting):
    _, _, enrolment, supervisor = setting
    flag = operations.raise_flag(
        session,
        enrolment,
        supervisor,
        kind="wellbeing",
        follow_up_on=utcnow().date() + timedelta(days=3),
    )
    assert "how you are doing" in flag.kind_words


def test_a_supervisor_must_work_here_and_a_group_stays_in_one_organisation(session, setting):
    partner, qualification, enrolment, supervisor = setting
    elsewhere = PartnerFactory(name="Harbour")
    stranger = member(elsewhere, Role.ASSESSOR)
    with pytest.raises(DomainError, match="supervisor"):
        operations.assign_supervisor(session, enrolment, stranger)
    theirs = enrol_trainee(qualification, elsewhere)
    with pytest.raises(DomainError, match="trainee here"):
        _supervise(session, partner, supervisor, [enrolment, theirs])


def test_who_may_see_and_supervise_her_practice(session, setting):
    partner, qualification, enrolment, supervisor = setting
    coordinator = member(partner, Role.COORDINATOR)
    other_assessor = member(partner, Role.ASSESSOR)
    admin = member(partner.franchisor, Role.ADMIN)
    other = enrol_trainee(qualification, partner)
    other_trainee = _her(session, other)
    assert not can(supervisor, "practice.view", enrolment)
    operations.assign_supervisor(session, enrolment, supervisor)
    session.commit()
    seen = {
        "her": can(_her(session, enrolment), "practice.view", enrolment),
        "supervisor": can(supervisor, "practice.supervise", enrolment),
        "coordinator": can(coordinator, "practice.supervise", enrolment),
        "other assessor": can(other_assessor, "practice.view", enrolment),
        "admin": can(admin, "practice.view", enrolment),
        "other trainee": can(other_trainee, "practice.view", enrolment),
    }
    assert seen == {
        "her": True,
        "supervisor": True,
        "coordinator": True,
        "other assessor": False,
        "admin": False,
        "other trainee": False,
    }


# --- practice in the award ----------------------------------------------------------------------


def test_the_award_waits_for_practice_hours_and_supervision(session, setting):
    partner, qualification, enrolment, supervisor = setting
    staff = staff_for(partner)
    complete(session, qualification, enrolment, staff)
    assert award_for(session, enrolment) is None
    result = evaluate_enrolment(session, enrolment)
    assert not result.met
    assert result.still_needed == [
        "3 practice hours (so far 0)",
        "2 supervision sessions (so far 0)",
    ]
    loaded = session.scalar(
        select(Enrolment)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.organisation))
        .where(Enrolment.id == enrolment.id)
    )
    assert learner_record(session, loaded).result.still_needed == result.still_needed
    with pytest.raises(DomainError, match="3 practice hours"):
        issue_award(session, enrolment)

    mentoring = _relationship(session, enrolment)
    for day in (5, 4, 3):
        _log(session, mentoring, enrolment, minutes=60, days_ago=day)
    _supervise(session, partner, supervisor, [enrolment], days_ago=4)
    assert hooks.award_requirements(session, enrolment) == ["2 supervision sessions (so far 1)"]
    assert award_for(session, enrolment) is None
    # The last supervision session meets the requirement: the award is made then.
    _supervise(session, partner, supervisor, [enrolment], days_ago=2)
    assert hooks.award_requirements(session, enrolment) == []
    assert evaluate_enrolment(session, enrolment).met
    assert award_for(session, enrolment) is not None


def test_accreditation_asks_every_capability_for_award_requirements():
    assert hooks.award_requirements in capabilities.hooks("award_requirements")


def test_a_course_without_a_practice_requirement_asks_for_nothing(session):
    partner = PartnerFactory()
    qualification = make_qualification()
    enrolment = enrol_trainee(qualification, partner)
    assert hooks.award_requirements(session, enrolment) == []


# --- figures, progress, the privacy hooks -------------------------------------------------------


def test_impact_figures_count_practice_and_say_how_many_people_they_come_from(session, setting):
    partner, qualification, enrolment, supervisor = setting
    second = enrol_trainee(qualification, partner)
    for who, minutes in ((enrolment, 90), (second, 30)):
        _log(session, _relationship(session, who), who, minutes=minutes)
    _supervise(session, partner, supervisor, [enrolment, second])
    flag = operations.raise_flag(
        session, second, supervisor, kind="boundary", follow_up_on=utcnow().date()
    )
    operations.raise_flag(
        session, enrolment, supervisor, kind="wellbeing", follow_up_on=utcnow().date()
    )
    operations.follow_up_flag(session, flag, supervisor, outcome="Agreed limits.")
    figures = {
        f.label: (f.value, f.people)
        for f in impact_figures(session, [enrolment.user_id, second.user_id])
    }
    assert figures == {
        "Practice hours delivered": (2.0, 2),
        "Mentoring sessions": (2, 2),
        "Supervision sessions": (1, 2),
        "Supervision flags raised": (2, 2),
        "Flags followed up": (1, 1),
    }
    assert impact_figures(session, [second.user_id])[0].value == 0.5


def test_the_progress_column_shows_hours_against_the_requirement(session, setting):
    partner, _, enrolment, supervisor = setting
    _log(session, _relationship(session, enrolment), enrolment, minutes=90)
    _supervise(session, partner, supervisor, [enrolment])
    assert practice_hours(session, [enrolment.id]) == {
        enrolment.id: "1.5 of 3 hours, 1 of 2 supervisions"
    }


def test_the_progress_column_for_a_page_of_trainees_in_one_statement(
    session, setting, count_queries
):
    """With a requirement the column shows it even before any practice; without one, only
    those who logged practice or attended supervision have anything to show."""
    partner, qualification, started, supervisor = setting
    _log(session, _relationship(session, started), started, minutes=90)
    _supervise(session, partner, supervisor, [started])
    not_started = enrol_trainee(qualification, partner)
    other_course = make_qualification("B")
    logged_only = enrol_trainee(other_course, partner)
    _log(session, _relationship(session, logged_only), logged_only, minutes=30)
    supervised_only = enrol_trainee(other_course, partner)
    _supervise(session, partner, supervisor, [supervised_only])
    nothing = enrol_trainee(other_course, partner)
    session.commit()
    ids = [e.id for e in (started, not_started, logged_only, supervised_only, nothing)]

    with count_queries() as counted:
        texts = practice_hours(session, ids)

    assert counted.count == 1
    assert texts == {
        started.id: "1.5 of 3 hours, 1 of 2 supervisions",
        not_started.id: "0 of 3 hours, 0 of 2 supervisions",
        logged_only.id: "0.5 hours",
        supervised_only.id: "0 hours, 1 supervision",
    }


def test_her_archive_holds_her_practice_and_her_journal(session, setting):
    partner, _, enrolment, supervisor = setting
    _log(session, _relationship(session, enrolment), enrolment)
    _supervise(session, partner, supervisor, [enrolment])
    operations.write_entry(
        session,
        enrolment,
        _her(session, enrolment),
        title="After the first session",
        headings=["What happened", "What I learned"],
        answers=["We met at the centre.", "Listen more."],
    )
    files = dict(hooks.subject_access(session, _her(session, enrolment)))
    assert '"mentee": "Bluebird"' in files["practice/practice.json"]
    assert "Boundaries and endings." in files["practice/practice.json"]
    [journal] = [text for name, text in files.items() if name.startswith("practice/journal/")]
    assert "## What I learned" in journal
    assert "Listen more." in journal


def test_erasing_her_removes_her_journal_and_her_words_but_keeps_the_hours(session, setting):
    _, _, enrolment, _supervisor = setting
    mentoring = _relationship(session, enrolment)
    _log(session, mentoring, enrolment, minutes=45)
    operations.write_entry(
        session, enrolment, _her(session, enrolment), title="t", headings=[""], answers=["private"]
    )
    hooks.erase_person(session, _her(session, enrolment))
    session.expire_all()
    assert session.scalars(select(JournalEntry)).all() == []
    [kept] = queries.relationships_of(session, enrolment)
    assert kept.pseudonym == hooks.ERASED
    assert kept.goals == ""
    assert [(s.minutes, s.note) for s in kept.sessions] == [(45, "")]


# --- the journal ----------------------------------------------------------------------------------


def test_the_journal_is_read_by_its_author_alone(session, setting):
    partner, _, enrolment, supervisor = setting
    operations.assign_supervisor(session, enrolment, supervisor)
    entry = operations.write_entry(
        session,
        enrolment,
        _her(session, enrolment),
        title="Hard day",
        headings=[""],
        answers=["Something I would tell no one."],
    )
    session.commit()
    readers = {
        "author": _her(session, enrolment),
        "supervisor": supervisor,
        "coordinator": member(partner, Role.COORDINATOR),
        "iqa": member(partner, Role.IQA),
        "admin": member(partner.franchisor, Role.ADMIN),
    }
    assert {name: can(person, "journal.read", entry) for name, person in readers.items()} == {
        "author": True,
        "supervisor": False,
        "coordinator": False,
        "iqa": False,
        "admin": False,
    }
    for person in list(readers.values())[1:]:
        with pytest.raises(DomainError):
            queries.journal_entry(session, person, entry.id)
    # The audit trail says an entry was written, never what it says.
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "journal.entry_written"))
    for event in events:
        assert "would tell no one" not in repr(vars(event))


def test_an_entry_chosen_as_evidence_is_copied_and_stays_private(session, setting):
    from lms.curriculum.models import AssessmentCriterion, CourseUnit
    from lms.portfolio.models import Evidence

    _, _, enrolment, _ = setting
    entry = operations.write_entry(
        session,
        enrolment,
        _her(session, enrolment),
        title="A boundary",
        headings=["What happened", "What I learned"],
        answers=["She asked for my number.", "To say no kindly."],
    )
    criterion = session.scalar(
        select(AssessmentCriterion)
        .join(CourseUnit, CourseUnit.unit_id == AssessmentCriterion.unit_id)
        .where(CourseUnit.course_id == enrolment.course_id)
        .limit(1)
    )
    evidence = operations.entry_as_evidence(session, entry, enrolment, [criterion.id])
    operations.update_entry(session, entry, title="A boundary", answers=["Changed.", "Later."])
    session.expire_all()
    copy = session.get(Evidence, evidence.id)
    assert copy.evidence_type.value == "reflective_account"
    assert "She asked for my number." in copy.description
    assert "Changed." not in copy.description
    assert session.get(JournalEntry, entry.id).evidence_id == evidence.id
    with pytest.raises(DomainError, match="already"):
        operations.entry_as_evidence(session, session.get(JournalEntry, entry.id), enrolment, [])
