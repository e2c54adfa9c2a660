"""The data set and the pages the benchmark measures. Capabilities add their own pages here."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select

from lms.accounts import operations
from lms.accounts.models import Membership, User
from lms.accounts.passwords import hash_password
from lms.accounts.roles import Role
from lms.accounts.sessions import start_session

PASSWORD_HASH = hash_password("bench password 1234")


@dataclass
class Page:
    name: str
    url: str
    user: object | None = None


@dataclass
class World:
    """Plain ids and slugs, usable after the building session has closed."""

    franchisor: str
    partners: list[str] = field(default_factory=list)
    coordinators: list[int] = field(default_factory=list)
    admin: int | None = None
    trainees: int = 0
    extra: dict = field(default_factory=dict)

    def summary(self) -> str:
        return f"{len(self.partners)} partners and {self.trainees} trainees"


def build(session, app, *, trainees: int, workdir) -> World:
    franchisor = operations.create_organisation(session, "bench-trust", "Bench Trust")
    world = World(franchisor=franchisor.slug)
    admin = operations.create_user(session, "admin@bench.example", "Bench Admin")
    operations.grant_role(session, admin, franchisor, Role.ADMIN)
    world.admin = admin.id
    partner_count = max(2, trainees // 500)
    partners = []
    for index in range(partner_count):
        partner = operations.create_organisation(
            session, f"partner-{index}", f"Partner {index}", franchisor=franchisor
        )
        partners.append(partner)
        world.partners.append(partner.slug)
        coordinator = operations.create_user(
            session, f"coordinator{index}@bench.example", f"Coordinator {index}"
        )
        operations.grant_role(session, coordinator, partner, Role.COORDINATOR)
        world.coordinators.append(coordinator.id)
    session.flush()

    # Trainees are inserted in bulk: the benchmark measures pages, not sign-up.
    per_partner = trainees // partner_count
    for index, partner in enumerate(partners):
        rows = [
            {
                "email": f"t{index}-{n}@bench.example",
                "display_name": f"Trainee {index}-{n}",
                "password_hash": PASSWORD_HASH,
            }
            for n in range(per_partner)
        ]
        ids = session.scalars(insert(User).returning(User.id), rows).all()
        session.execute(
            insert(Membership),
            [{"user_id": uid, "organisation_id": partner.id, "role": Role.TRAINEE} for uid in ids],
        )
        world.trainees += len(ids)
        world.extra.setdefault("trainee_ids", {})[partner.slug] = ids
    _curriculum(session, app, world, partners)
    return world


def _curriculum(session, app, world: World, partners) -> None:
    """The shipped curriculum, every trainee enrolled on the Level 3 course, and progress for
    each trainee through the first units."""
    from lms.curriculum.format import load_catalogue
    from lms.curriculum.models import Course, Enrolment, Lesson, LessonProgress
    from lms.curriculum.sync import sync_catalogue
    from lms.db import utcnow

    sync_catalogue(
        session, load_catalogue(app.config["COURSES_PATH"], app.config["ASSESSMENTS_PATH"])
    )
    course = session.scalar(select(Course).where(Course.code == "ALRM3"))
    lessons = session.scalars(select(Lesson.id).order_by(Lesson.id)).all()
    now = utcnow()
    for partner in partners:
        ids = world.extra["trainee_ids"][partner.slug]
        enrolments = session.scalars(
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
                for n, eid in enumerate(enrolments)
                for lesson in lessons[: n % 12]
            ],
        )
        world.extra.setdefault("enrolments", []).append((ids[5], enrolments[5]))
        world.extra.setdefault("enrolment_ids", {})[partner.slug] = enrolments
    world.extra["course"] = course.code
    _franchise(session, world, partners, course)
    _assessment(session, world, partners[0], course)


def _franchise(session, world: World, partners, course) -> None:
    """A licence and one cohort per partner holding all its trainees."""
    from datetime import timedelta

    from sqlalchemy import update

    from lms.curriculum.models import CourseUnit, Enrolment, Unit
    from lms.curriculum.operations import create_cohort
    from lms.franchise.licences import issue_licence

    codes = session.scalars(
        select(Unit.code).join(CourseUnit).where(CourseUnit.course_id == course.id)
    ).all()
    today = utcnow_date()
    for partner in partners:
        issue_licence(
            session,
            partner,
            course,
            seats=100_000,
            starts_on=today - timedelta(days=30),
            expires_on=today + timedelta(days=365),
            units=codes,
        )
        cohort = create_cohort(session, partner, course, "Everyone", starts_on=today)
        session.execute(
            update(Enrolment)
            .where(Enrolment.organisation_id == partner.id)
            .values(cohort_id=cohort.id)
        )
        world.extra.setdefault("cohorts", {})[partner.slug] = cohort.id


def _assessment(session, world: World, partner, course) -> None:
    """An assessor and an IQA on the first partner's cohort, and 200 submissions waiting."""
    from lms.curriculum.models import AssessmentCriterion, CohortRole, Enrolment, Unit
    from lms.curriculum.operations import assign_staff
    from lms.portfolio.models import EvidenceType
    from lms.portfolio.operations import create_evidence, submit_unit

    assessor = operations.create_user(session, "assessor@bench.example", "Bench Assessor")
    iqa = operations.create_user(session, "iqa@bench.example", "Bench IQA")
    operations.grant_role(session, assessor, partner, Role.ASSESSOR)
    operations.grant_role(session, iqa, partner, Role.IQA)
    cohort_id = world.extra["cohorts"][partner.slug]
    from lms.curriculum.models import Cohort

    cohort = session.get(Cohort, cohort_id)
    assign_staff(session, cohort, assessor, CohortRole.ASSESSOR)
    assign_staff(session, cohort, iqa, CohortRole.IQA)
    unit = session.scalar(select(Unit).where(Unit.code == "RM301", Unit.is_current.is_(True)))
    criteria = session.scalars(
        select(AssessmentCriterion.id).where(AssessmentCriterion.unit_id == unit.id)
    ).all()
    for enrolment_id in world.extra["enrolment_ids"][partner.slug][:200]:
        enrolment = session.get(Enrolment, enrolment_id)
        create_evidence(
            session,
            enrolment,
            title="Reflective account",
            evidence_type=EvidenceType.REFLECTIVE_ACCOUNT,
            description="What I did and what I learnt.",
            criterion_ids=criteria,
        )
        submit_unit(session, enrolment, unit, declaration_confirmed=True)
    world.extra["assessor"] = assessor.id
    world.extra["iqa"] = iqa.id


def utcnow_date():
    from lms.db import utcnow

    return utcnow().date()


def pages(world: World) -> list[Page]:
    partner = world.partners[0]
    coordinator = world.coordinators[0]
    return [
        Page("sign-in page", "/login"),
        Page("health check", "/healthz"),
        Page("home (coordinator)", "/", coordinator),
        Page(
            f"members of a partner ({world.trainees // len(world.partners)})",
            f"/organisations/{partner}/members",
            coordinator,
        ),
        Page("administration (franchisor)", "/admin/", world.admin),
        Page("audit log", "/admin/audit", world.admin),
        *_learning_pages(world),
    ]


def _learning_pages(world: World) -> list[Page]:
    trainee, enrolment = world.extra["enrolments"][0]
    base = f"/learning/{enrolment}"
    return [
        Page("learning dashboard (trainee)", "/learning", trainee),
        Page("course page, 8 units (trainee)", base, trainee),
        Page("unit page (trainee)", f"{base}/units/RM302", trainee),
        Page(
            "lesson page (trainee)", f"{base}/units/RM301/lessons/what-peer-mentoring-is", trainee
        ),
        Page(
            "course preview (coordinator)",
            f"/courses/{world.extra['course']}",
            world.coordinators[0],
        ),
        *_franchise_pages(world),
    ]


def _franchise_pages(world: World) -> list[Page]:
    partner = world.partners[0]
    cohort = world.extra["cohorts"][partner]
    coordinator = world.coordinators[0]
    size = world.trainees // len(world.partners)
    return [
        Page(
            f"cohort progress ({size} trainees)",
            f"/organisations/{partner}/cohorts/{cohort}/progress",
            coordinator,
        ),
        Page(
            f"cohort progress CSV ({size} rows)",
            f"/organisations/{partner}/cohorts/{cohort}/progress.csv",
            coordinator,
        ),
        Page(
            f"franchise overview ({len(world.partners)} partners)", "/admin/franchise", world.admin
        ),
        Page("partner training page", f"/organisations/{partner}/training", world.admin),
        Page("assessor queue (200 waiting)", "/assessment/queue", world.extra["assessor"]),
        Page("IQA report", f"/iqa/{partner}/report", world.extra["iqa"]),
    ]


def sign_in(app, client, user_id: int) -> None:
    from lms.extensions import db

    with app.app_context():
        person = db.session.get(User, user_id)
        token = start_session(db.session, person, remember=False, idle_minutes=600, remember_days=1)
        db.session.commit()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
        flask_session["_fresh"] = True
