"""A demo franchise: a franchisor and two partners, each with staff and trainees.

Safe to run again: whatever exists is reused, nothing is loaded twice. Other capabilities add
their own demo data (enrolments, cohorts…) as `demo_steps` in `lms.capabilities`, run in
list order after this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import capabilities
from lms.accounts import operations
from lms.accounts.models import Organisation, User
from lms.accounts.roles import ROLE_LABELS, Role
from lms.notifications.operations import without_email

DEMO_PASSWORD = "walk-alongside-demo"  # noqa: S105 - printed to the person running the demo

FRANCHISOR = ("alongside-trust", "Alongside Mentoring Trust")
PARTNERS = [
    ("northside", "Northside Women's Centre"),
    ("harbour", "Harbour Women's Aid"),
]
STAFF = [
    (Role.COORDINATOR, "coordinator", "{org} Coordinator"),
    (Role.ASSESSOR, "assessor", "{org} Assessor"),
    (Role.IQA, "iqa", "{org} Quality Assurer"),
]
TRAINEE_NAMES = {
    "northside": ["Amira Hassan", "Bethany Cole", "Chloe Mensah", "Danuta Nowak", "Esi Owusu"],
    "harbour": ["Fatima Rahman", "Grace O'Neill", "Hana Sato", "Imogen Reyes"],
}


@dataclass
class DemoWorld:
    franchisor: Organisation
    partners: list[Organisation]
    trainees: dict[str, list[User]] = field(default_factory=dict)
    staff: dict[tuple[str, Role], User] = field(default_factory=dict)


@dataclass
class DemoLogins:
    password: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)


def _organisation(session: Session, slug: str, name: str, franchisor=None) -> Organisation:
    existing = session.scalar(select(Organisation).where(Organisation.slug == slug))
    return existing or operations.create_organisation(session, slug, name, franchisor=franchisor)


def _person(
    session: Session, email: str, name: str, organisation: Organisation, role: Role
) -> User:
    user = operations.find_user_by_email(session, email)
    if user is None:
        user = operations.create_user(session, email, name, DEMO_PASSWORD)
    operations.grant_role(session, user, organisation, role)
    return user


def load_demo(session: Session) -> DemoLogins:
    franchisor = _organisation(session, *FRANCHISOR)
    partners = [_organisation(session, slug, name, franchisor) for slug, name in PARTNERS]
    world = DemoWorld(franchisor, partners)
    logins = DemoLogins(DEMO_PASSWORD)

    admin = _person(
        session, "admin@alongside.example", "Franchise Administrator", franchisor, Role.ADMIN
    )
    _person(session, "iqa@alongside.example", "Franchise Quality Assurer", franchisor, Role.IQA)
    logins.rows.append((franchisor.name, ROLE_LABELS[Role.ADMIN], admin.email))
    logins.rows.append((franchisor.name, ROLE_LABELS[Role.IQA], "iqa@alongside.example"))

    for partner in partners:
        short = partner.name.split()[0]
        for role, local, name in STAFF:
            email = f"{local}@{partner.slug}.example"
            world.staff[(partner.slug, role)] = _person(
                session, email, name.format(org=short), partner, role
            )
            logins.rows.append((partner.name, ROLE_LABELS[role], email))
        world.trainees[partner.slug] = []
        for index, name in enumerate(TRAINEE_NAMES[partner.slug]):
            email = f"{name.split()[0].lower()}@{partner.slug}.example"
            world.trainees[partner.slug].append(
                _person(session, email, name, partner, Role.TRAINEE)
            )
            if index == 0:
                logins.rows.append((partner.name, ROLE_LABELS[Role.TRAINEE], email))

    # Demo people are told in the app; nobody is e-mailed about demo events.
    with without_email():
        for step in capabilities.contributions("demo_steps"):
            step(session, world)
    session.flush()
    return logins
