"""Demo practice, told over the weeks since the cohorts started, through the ordinary
operations under `lms.db.clock_at`.

At Northside the assessor is named supervisor of the first three trainees (the coordinator
supervises the rest). Amira mentors "Bluebird" to a planned ending and then "M.", logs
enough hours and goes to enough supervision for the qualification (the accreditation demo then
awards it), and writes in her journal (guided by Gibbs' cycle); a wellbeing
flag about her was followed up. Bethany's boundary flag is past its follow-up date (so the
coordinator's home shows it); Chloe's practice is paused until her flag is followed up. At
Harbour, Fatima has just begun with "Client A".
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.roles import Role
from lms.assessment.demo import Timeline
from lms.curriculum.models import Course, Enrolment
from lms.curriculum.operations import active_enrolment
from lms.db import utcnow
from lms.practice import operations, queries
from lms.practice.models import MentoringRelationship

QUALIFICATION = "ALRM3"
SPAN_DAYS = 48


def _enrolments(session: Session, world, slug: str, course: Course) -> list[Enrolment]:
    found = [active_enrolment(session, t, course) for t in world.trainees.get(slug, [])]
    return [e for e in found if e is not None]


def _sessions(session, timeline, mentoring, enrolment, days, minutes=90, **kinds) -> None:
    for index, day in enumerate(days):
        with timeline.on(day):
            support = kinds.get("support", ["emotional", "practical", "emotional", "bridge"])
            kind = support[index % len(support)]
            operations.log_session(
                session,
                mentoring,
                enrolment,
                held_on=utcnow().date(),
                minutes=minutes,
                mode=["in_person", "phone", "online"][index % 3],
                support=kind,
                service=["housing", "legal", "counselling"][index % 3]
                if kind == "bridge"
                else None,
                note=kinds.get("note", "We talked about how her week had gone and what came next."),
            )


def _amira(session, fresh, enrolment, staff) -> None:
    timeline = fresh()
    with timeline.on(1):
        bluebird = operations.start_relationship(
            session,
            enrolment,
            pseudonym="Bluebird",
            started_on=utcnow().date(),
            goals="To feel less alone, and to get back into college in the autumn.",
        )
    _sessions(session, timeline, bluebird, enrolment, range(2, 23, 3))
    with timeline.on(24):
        operations.close_relationship(
            session,
            bluebird,
            closed_on=utcnow().date(),
            kind="planned",
            achieved="She enrolled on her college course and found a local women's group.",
            learned="Planning the ending from the start made saying goodbye easier for us both.",
        )
        operations.start_relationship(
            session,
            enrolment,
            pseudonym="M.",
            started_on=utcnow().date(),
            goals="To sort out her money worries and sleep better.",
        )
    m = session.scalar(
        select(MentoringRelationship).where(
            MentoringRelationship.enrolment_id == enrolment.id,
            MentoringRelationship.pseudonym == "M.",
        )
    )
    _sessions(session, timeline, m, enrolment, range(25, 44, 3))
    timeline = fresh()
    with timeline.on(12):
        flag = operations.raise_flag(
            session,
            enrolment,
            staff,
            kind="wellbeing",
            follow_up_on=utcnow().date() + timedelta(days=7),
            note="Amira said Bluebird's story brought back a lot; check in on her.",
        )
    with timeline.on(16):
        operations.follow_up_flag(
            session,
            flag,
            staff,
            outcome="We talked it through; she is using her own support and feels steady.",
        )


def _journal(session, timeline, enrolment, trainee) -> None:
    with timeline.on(9):
        operations.write_entry(
            session,
            enrolment,
            trainee,
            title="When Bluebird talked about her sister",
            headings=queries.GIBBS["headings"],
            answers=[
                "Bluebird told me her sister had stopped speaking to her.",
                "I felt a pull to tell her about my own family.",
                "I listened, and I kept the focus on her. I nearly shared too much.",
                "My own story can help me understand, but it is not hers.",
                "I could have named the feeling to myself sooner.",
                "Next time I will notice the pull, and take it to supervision.",
            ],
            prompt_key="gibbs",
        )


def _supervision(session, timeline, organisation, supervisor, group, days) -> None:
    topics = [
        "Starting well: first sessions, agreeing goals in the mentee's words.",
        "Boundaries: what to share of yourself, and when to say no.",
        "Endings: planning a good closure, and looking after yourself.",
        "Bridging to services without taking over.",
    ]
    earlier = None
    for index, day in enumerate(days):
        with timeline.on(day):
            today = utcnow().date()
            # The action agreed last time was done, and talked about.
            for action in earlier.actions if earlier else ():
                operations.complete_action(session, action)
            earlier = operations.record_supervision(
                session,
                organisation,
                supervisor,
                group,
                held_on=today,
                topics=topics[index % len(topics)],
                actions=[("Bring one session you found hard", today + timedelta(days=14))],
            )


def _northside(session, world, course, partner) -> None:
    enrolments = _enrolments(session, world, partner.slug, course)
    if len(enrolments) < 3:
        return
    amira, bethany, chloe = enrolments[:3]
    assessor = world.staff[(partner.slug, Role.ASSESSOR)]
    coordinator = world.staff[(partner.slug, Role.COORDINATOR)]
    start = amira.enrolled_at + timedelta(days=1)

    def fresh() -> Timeline:
        # Moments on one timeline only move forward: each strand of the story has its own.
        return Timeline(start, utcnow() - timedelta(days=8), days=SPAN_DAYS)

    with fresh().on(0):
        for enrolment in (amira, bethany, chloe):
            operations.assign_supervisor(session, enrolment, assessor)
    _amira(session, fresh, amira, assessor)
    _journal(session, fresh(), amira, world.trainees[partner.slug][0])
    timeline = fresh()
    with timeline.on(3):
        beth_m = operations.start_relationship(
            session,
            bethany,
            pseudonym="Sunflower",
            started_on=utcnow().date(),
            goals="To find somewhere safe and settled to live.",
        )
        chloe_m = operations.start_relationship(
            session,
            chloe,
            pseudonym="Client B",
            started_on=utcnow().date(),
            goals="To feel calmer.",
        )
    _sessions(session, timeline, beth_m, bethany, range(4, 40, 5), minutes=60)
    _sessions(session, fresh(), chloe_m, chloe, range(5, 30, 6), minutes=60)
    _supervision(session, fresh(), partner, assessor, [amira, bethany], (10, 20, 30, 40))
    _supervision(session, fresh(), partner, coordinator, [chloe], (15,))
    with fresh().on(34):
        operations.raise_flag(
            session,
            bethany,
            assessor,
            kind="boundary",
            follow_up_on=utcnow().date() + timedelta(days=5),
            note="Sunflower has been texting late at night; agree limits together.",
        )
    # Bethany carries on this week, while her flag waits past its date for a follow-up.
    recent = Timeline(utcnow() - timedelta(days=6), utcnow() - timedelta(days=1), days=5)
    _sessions(session, recent, beth_m, bethany, (0, 3), minutes=60)
    # Chloe's flag was raised a few days ago, in real time, and is not due yet.
    operations.raise_flag(
        session,
        chloe,
        coordinator,
        kind="over_identification",
        follow_up_on=utcnow().date() + timedelta(days=5),
        note="Chloe's mentee's situation is very close to her own; pause and talk.",
        pauses_practice=True,
    )


def _harbour(session, world, course, partner) -> None:
    enrolments = _enrolments(session, world, partner.slug, course)
    if not enrolments:
        return
    fatima = enrolments[0]
    timeline = Timeline(utcnow() - timedelta(days=12), utcnow() - timedelta(days=1), days=10)
    with timeline.on(0):
        mentoring = operations.start_relationship(
            session,
            fatima,
            pseudonym="Client A",
            started_on=utcnow().date(),
            goals="To get to her appointments and feel more confident.",
        )
    _sessions(session, timeline, mentoring, fatima, (1, 5, 9), minutes=60)


def load_practice_demo(session: Session, world) -> None:
    """Practice for the demo trainees. Does nothing until the curriculum is loaded and the
    trainees are enrolled, or when it has been told already."""
    course = session.scalar(select(Course).where(Course.code == QUALIFICATION))
    if course is None or not world.partners:
        return
    told = session.scalar(select(MentoringRelationship.id).limit(1))
    if told is not None:
        return
    _northside(session, world, course, world.partners[0])
    if len(world.partners) > 1:
        _harbour(session, world, course, world.partners[1])
    session.flush()
