"""The data set: a large franchise built quickly by bulk inserts, and the people, sessions and
tokens the scenarios act as. Only what the pages read is inserted in bulk (people, enrolments,
lesson progress); everything with rules of its own (licences, cohorts, evidence, submissions,
quiz attempts, API tokens) is made through the ordinary operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, select, update

from lms.accounts import operations
from lms.accounts.models import Membership, User
from lms.accounts.passwords import hash_password
from lms.accounts.roles import Role
from lms.accounts.sessions import start_session
from lms.db import utcnow

PASSWORD = "bench password 1234"  # noqa: S105 - the benchmark's own throwaway accounts


@dataclass(frozen=True)
class Size:
    """How big the franchise is. `trainees` are spread over `partners`; the export partner's
    one cohort of `export_trainees` is on top of them."""

    trainees: int = 10_000
    partners: int = 40
    small_cohort: int = 20
    large_cohort: int = 500
    export_trainees: int = 10_000
    submissions: int = 200
    quiz_pool: int = 2000
    clients: int = 8

    @property
    def total(self) -> int:
        return self.trainees + self.export_trainees


@dataclass
class World:
    """Plain ids, slugs and session tokens, usable after the building session has closed."""

    size: Size
    partners: list[str] = field(default_factory=list)
    export_partner: str = ""
    admin_sessions: list[str] = field(default_factory=list)
    coordinator_sessions: list[str] = field(default_factory=list)  # partner 0's coordinator
    assessor_sessions: list[str] = field(default_factory=list)
    export_sessions: list[str] = field(default_factory=list)  # the export partner's coordinator
    trainees: list[dict] = field(default_factory=list)  # {"session", "enrolment"}
    uploaders: list[dict] = field(default_factory=list)  # {"session", "enrolment", "evidence"}
    quiz_attempts: list[dict] = field(default_factory=list)  # {"session", "attempt", "answer"}
    cohorts: dict[str, int] = field(default_factory=dict)
    submission: int = 0
    api_token: str = ""
    sign_in_emails: list[str] = field(default_factory=list)
    lesson: str = ""

    def summary(self) -> str:
        return (
            f"{len(self.partners) + 1} partners and {self.size.total} trainees "
            f"({self.size.export_trainees} of them in one cohort for the export)"
        )


def build(session, app, size: Size) -> World:
    world = World(size=size)
    franchisor = operations.create_organisation(session, "bench-trust", "Bench Trust")
    admin = operations.create_user(session, "admin@bench.example", "Bench Admin")
    operations.grant_role(session, admin, franchisor, Role.ADMIN)
    partners = []
    coordinators = []
    for index in range(size.partners + 1):
        slug = f"partner-{index}" if index < size.partners else "export-partner"
        partner = operations.create_organisation(
            session, slug, f"Partner {index}", franchisor=franchisor
        )
        coordinator = operations.create_user(
            session, f"coordinator{index}@bench.example", f"Coordinator {index}"
        )
        operations.grant_role(session, coordinator, partner, Role.COORDINATOR)
        partners.append(partner)
        coordinators.append(coordinator)
    world.partners = [p.slug for p in partners[:-1]]
    world.export_partner = partners[-1].slug
    session.flush()

    password_hash = hash_password(PASSWORD)
    # Partner 0 holds the small and the large cohort besides its share of the rest.
    first = size.small_cohort + size.large_cohort
    counts = [*_spread(size.trainees - first, size.partners), size.export_trainees]
    counts[0] += first
    people = {}
    for index, (partner, count) in enumerate(zip(partners, counts, strict=True)):
        people[partner.id] = _trainees(session, partner, index, count, password_hash)
    world.sign_in_emails = [f"t0-{n}@bench.example" for n in range(min(size.clients * 4, 40))]

    enrolments, course = _curriculum(session, app, partners, people)
    _franchise(session, world, partners, course, enrolments)
    _assessment(session, world, partners[0], enrolments[partners[0].id])

    def sessions_for(user, count):
        return [_session(session, user) for _ in range(count)]

    world.admin_sessions = sessions_for(admin, size.clients)
    world.coordinator_sessions = sessions_for(coordinators[0], size.clients)
    world.export_sessions = sessions_for(coordinators[-1], size.clients)
    _trainee_sessions(session, world, partners[1], people, enrolments)
    _quiz_pool(session, world, partners[2:] or partners, people, enrolments)
    world.api_token = _api_token(session, coordinators[1], partners[1])
    world.lesson = "/units/RM301/lessons/what-peer-mentoring-is"
    return world


def _spread(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


def _trainees(session, partner, index: int, count: int, password_hash: str) -> list[int]:
    """People inserted in bulk: the benchmark measures pages, not sign-up."""
    rows = [
        {
            "email": f"t{index}-{n}@bench.example",
            "display_name": f"Trainee {index}-{n}",
            "password_hash": password_hash,
        }
        for n in range(count)
    ]
    if not rows:
        return []
    ids = session.scalars(insert(User).returning(User.id), rows).all()
    session.execute(
        insert(Membership),
        [{"user_id": uid, "organisation_id": partner.id, "role": Role.TRAINEE} for uid in ids],
    )
    return list(ids)


def _curriculum(session, app, partners, people):
    """The shipped curriculum, every trainee enrolled on the Level 3 course, and progress for
    each through the first lessons (0 to 11 of them, in turn)."""
    from lms.curriculum.format import load_catalogue
    from lms.curriculum.models import (
        ContentNoteAcknowledgement,
        Course,
        Enrolment,
        Lesson,
        LessonProgress,
    )
    from lms.curriculum.sync import sync_catalogue

    sync_catalogue(
        session, load_catalogue(app.config["COURSES_PATH"], app.config["ASSESSMENTS_PATH"])
    )
    course = session.scalar(select(Course).where(Course.code == "ALRM3"))
    lessons = session.scalars(
        select(Lesson.id).order_by(Lesson.id)  # the first units' lessons come first
    ).all()
    now = utcnow()
    enrolments = {}
    for partner in partners:
        ids = people[partner.id]
        if not ids:
            enrolments[partner.id] = []
            continue
        made = session.scalars(
            insert(Enrolment).returning(Enrolment.id),
            [
                {
                    "user_id": uid,
                    "course_id": course.id,
                    "organisation_id": partner.id,
                    "status": "in_progress",
                    "enrolled_at": now,
                }
                for uid in ids
            ],
        ).all()
        session.execute(
            insert(LessonProgress),
            [
                {
                    "enrolment_id": eid,
                    "lesson_id": lesson,
                    "first_viewed_at": now,
                    "last_viewed_at": now,
                    "completed_at": now,
                }
                for n, eid in enumerate(made)
                for lesson in lessons[: n % 12]
            ],
        )
        # Each has opened the first lesson at least, and gone past the content note of every
        # lesson she has opened: the lesson scenario reads the lesson, not its note.
        session.execute(
            insert(ContentNoteAcknowledgement),
            [
                {"user_id": uid, "lesson_id": lesson, "acknowledged_at": now}
                for n, uid in enumerate(ids)
                for lesson in lessons[: max(1, n % 12)]
            ],
        )
        enrolments[partner.id] = list(made)
    return enrolments, course


def _franchise(session, world: World, partners, course, enrolments) -> None:
    """A licence per partner; partner 0 has a small cohort, a large one and one for the rest;
    every other partner one cohort of everyone."""
    from lms.curriculum.models import CourseUnit, Enrolment, Unit
    from lms.curriculum.operations import create_cohort
    from lms.franchise.licences import issue_licence

    codes = session.scalars(
        select(Unit.code).join(CourseUnit).where(CourseUnit.course_id == course.id)
    ).all()
    today = utcnow().date()
    size = world.size
    for index, partner in enumerate(partners):
        issue_licence(
            session,
            partner,
            course,
            seats=100_000,
            starts_on=today - timedelta(days=30),
            expires_on=today + timedelta(days=365),
            units=codes,
        )
        ids = enrolments[partner.id]
        groups = [("Everyone", ids)]
        if index == 0:
            small, large = size.small_cohort, size.small_cohort + size.large_cohort
            groups = [("Small group", ids[:small]), ("Large group", ids[small:large])]
            groups.append(("Everyone else", ids[large:]))
        for name, members in groups:
            cohort = create_cohort(session, partner, course, name, starts_on=today)
            if members:
                session.execute(
                    update(Enrolment).where(Enrolment.id.in_(members)).values(cohort_id=cohort.id)
                )
            world.cohorts[f"{partner.slug}/{name}"] = cohort.id


def _assessment(session, world: World, partner, enrolment_ids) -> None:
    """An assessor and an IQA on partner 0's large cohort, and submissions waiting for them."""
    from lms.curriculum.models import AssessmentCriterion, Cohort, CohortRole, Enrolment, Unit
    from lms.curriculum.operations import assign_staff
    from lms.portfolio.models import EvidenceType
    from lms.portfolio.operations import create_evidence, submit_unit

    assessor = operations.create_user(session, "assessor@bench.example", "Bench Assessor")
    iqa = operations.create_user(session, "iqa@bench.example", "Bench IQA")
    operations.grant_role(session, assessor, partner, Role.ASSESSOR)
    operations.grant_role(session, iqa, partner, Role.IQA)
    cohort = session.get(Cohort, world.cohorts[f"{partner.slug}/Large group"])
    assign_staff(session, cohort, assessor, CohortRole.ASSESSOR)
    assign_staff(session, cohort, iqa, CohortRole.IQA)
    unit = session.scalar(select(Unit).where(Unit.code == "RM301", Unit.is_current.is_(True)))
    criteria = session.scalars(
        select(AssessmentCriterion.id).where(AssessmentCriterion.unit_id == unit.id)
    ).all()
    first = world.size.small_cohort
    for enrolment_id in enrolment_ids[first : first + world.size.submissions]:
        enrolment = session.get(Enrolment, enrolment_id)
        create_evidence(
            session,
            enrolment,
            title="Reflective account",
            evidence_type=EvidenceType.REFLECTIVE_ACCOUNT,
            description="What I did and what I learnt.",
            criterion_ids=criteria,
        )
        submission = submit_unit(session, enrolment, unit, declaration_confirmed=True)
        world.submission = world.submission or submission.id
    world.assessor_sessions = [_session(session, assessor) for _ in range(world.size.clients)]


def _trainee_sessions(session, world: World, partner, people, enrolments) -> None:
    """Trainees of partner 1, each signed in once: readers of their pages, and uploaders with
    an evidence record to add files to."""
    from lms.curriculum.models import AssessmentCriterion, Enrolment, Unit
    from lms.portfolio.models import EvidenceType
    from lms.portfolio.operations import create_evidence

    unit = select(Unit.id).where(Unit.code == "RM302", Unit.is_current.is_(True))
    criteria = session.scalars(
        select(AssessmentCriterion.id).where(AssessmentCriterion.unit_id == unit.scalar_subquery())
    ).all()[:2]
    ids = people[partner.id]
    for n in range(min(2 * world.size.clients, len(ids))):
        user = session.get(User, ids[n])
        enrolment = session.get(Enrolment, enrolments[partner.id][n])
        entry = {"session": _session(session, user), "enrolment": enrolment.id}
        if n % 2 == 0:
            world.trainees.append(entry)
        else:
            evidence = create_evidence(
                session,
                enrolment,
                title="Photos of my placement notes",
                evidence_type=EvidenceType.PRODUCT,
                description="Pages from my notebook.",
                criterion_ids=criteria,
            )
            world.uploaders.append({**entry, "evidence": evidence.id})


def _quiz_pool(session, world: World, partners, people, enrolments) -> None:
    """Open attempts at the RM301 knowledge check, one per trainee of `partners` in turn until
    there are `quiz_pool`, each with the answer the scenario sends to its first question: an
    attempt is answered and handed in once, so the pool is large enough for every run."""
    from lms.curriculum.models import Enrolment
    from lms.quizzes import queries as quiz_queries
    from lms.quizzes.operations import start_or_resume_attempt

    quiz = quiz_queries.current_quiz(session, "rm301-knowledge-check")
    pairs = [
        pair
        for partner in partners
        for pair in zip(people[partner.id], enrolments[partner.id], strict=False)
    ][: world.size.quiz_pool]
    for user_id, enrolment_id in pairs:
        attempt = start_or_resume_attempt(session, session.get(Enrolment, enrolment_id), quiz)
        question, answer = _first_answer(quiz, attempt)
        world.quiz_attempts.append(
            {
                "session": _session(session, session.get(User, user_id)),
                "attempt": attempt.id,
                "question": question,
                "answer": answer,
            }
        )


def _first_answer(quiz, attempt) -> tuple[str, dict]:
    """The first question of the attempt's paper, and a form answering it as a trainee
    would (the first option offered, or "true")."""
    from lms.quizzes.answers import leaf_questions_of

    question = attempt.paper["questions"][0]["id"]
    form = {}
    for leaf in leaf_questions_of(quiz.parsed, attempt.paper_key, question):
        tokens = attempt.paper_key["tokens"].get(leaf.id, {})
        if tokens.get("options"):
            form[leaf.id] = next(iter(tokens["options"]))
        elif type(leaf).__name__ in ("TrueFalse", "ShortAnswer"):
            form[leaf.id] = "true"
    return question, form


def _api_token(session, coordinator, partner) -> str:
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == coordinator.id,
            Membership.organisation_id == partner.id,
            Membership.role == Role.COORDINATOR,
        )
    )
    from lms.api.tokens import create_token

    _token, raw = create_token(session, coordinator, membership, "Bench reports")
    return raw


def _session(session, user) -> str:
    return start_session(session, user, remember=False, idle_minutes=600, remember_days=1)
