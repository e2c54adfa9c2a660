"""A demo franchise: a franchisor and four partners (two in England, one in Catalonia, one
in Bosnia and Herzegovina, each in its own time zone and language), each with staff and
trainees.

Safe to run again: whatever exists is reused, nothing is loaded twice. Other capabilities add
their own demo data (enrolments, cohorts…) as `demo_steps` in `lms.capabilities`, run in
list order after this.
"""

from __future__ import annotations

import unicodedata
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


@dataclass(frozen=True)
class DemoPartner:
    slug: str
    name: str
    time_zone: str
    language: str  # its people's own choice: what they read and are written to in
    staff: tuple[str, str, str]  # the coordinator's, assessor's and quality assurer's names
    trainees: tuple[str, ...]


PARTNERS = [
    DemoPartner(
        "northside",
        "Northside Women's Centre",
        "Europe/London",
        "en",
        ("Northside Coordinator", "Northside Assessor", "Northside Quality Assurer"),
        ("Amira Hassan", "Bethany Cole", "Chloe Mensah", "Danuta Nowak", "Esi Owusu"),
    ),
    DemoPartner(
        "harbour",
        "Harbour Women's Aid",
        "Europe/London",
        "en",
        ("Harbour Coordinator", "Harbour Assessor", "Harbour Quality Assurer"),
        ("Fatima Rahman", "Grace O'Neill", "Hana Sato", "Imogen Reyes"),
    ),
    DemoPartner(
        "ribera",
        "Xarxa Ribera",
        "Europe/Madrid",
        "ca",
        ("Montserrat Vidal", "Carme Soler", "Rosa Martí"),
        ("Núria Puig", "Laia Ferrer", "Aina Roca"),
    ),
    DemoPartner(
        "most",
        "Udruženje Most",
        "Europe/Sarajevo",
        "bs",
        ("Amela Delić", "Jasmina Hadžić", "Mirela Kovač"),
        ("Lejla Begović", "Selma Kovačević", "Amra Hodžić"),
    ),
]
STAFF_ROLES = [(Role.COORDINATOR, "coordinator"), (Role.ASSESSOR, "assessor"), (Role.IQA, "iqa")]


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


def _organisation(
    session: Session, slug: str, name: str, franchisor=None, time_zone: str | None = None
) -> Organisation:
    existing = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if existing is not None:
        return existing
    organisation = operations.create_organisation(session, slug, name, franchisor=franchisor)
    if time_zone:
        organisation.time_zone = time_zone
    return organisation


def _person(
    session: Session,
    email: str,
    name: str,
    organisation: Organisation,
    role: Role,
    language: str | None = None,
) -> User:
    user = operations.find_user_by_email(session, email)
    if user is None:
        user = operations.create_user(session, email, name, DEMO_PASSWORD)
        user.locale = language if language and language != "en" else None
    operations.grant_role(session, user, organisation, role)
    return user


def _address(name: str, slug: str) -> str:
    """`nuria@ribera.example` for Núria Puig: her first name, without accents."""
    first = unicodedata.normalize("NFKD", name.split()[0].lower())
    return f"{first.encode('ascii', 'ignore').decode()}@{slug}.example"


def load_demo(session: Session) -> DemoLogins:
    franchisor = _organisation(session, *FRANCHISOR)
    partners = [_organisation(session, p.slug, p.name, franchisor, p.time_zone) for p in PARTNERS]
    world = DemoWorld(franchisor, partners)
    logins = DemoLogins(DEMO_PASSWORD)

    admin = _person(
        session, "admin@alongside.example", "Franchise Administrator", franchisor, Role.ADMIN
    )
    _person(session, "iqa@alongside.example", "Franchise Quality Assurer", franchisor, Role.IQA)
    logins.rows.append((franchisor.name, ROLE_LABELS[Role.ADMIN], admin.email))
    logins.rows.append((franchisor.name, ROLE_LABELS[Role.IQA], "iqa@alongside.example"))

    for plan, partner in zip(PARTNERS, partners, strict=True):
        for (role, local), name in zip(STAFF_ROLES, plan.staff, strict=True):
            email = f"{local}@{partner.slug}.example"
            world.staff[(partner.slug, role)] = _person(
                session, email, name, partner, role, plan.language
            )
            logins.rows.append((partner.name, ROLE_LABELS[role], email))
        world.trainees[partner.slug] = []
        for index, name in enumerate(plan.trainees):
            email = _address(name, partner.slug)
            world.trainees[partner.slug].append(
                _person(session, email, name, partner, Role.TRAINEE, plan.language)
            )
            if index == 0:
                logins.rows.append((partner.name, ROLE_LABELS[Role.TRAINEE], email))

    # Demo people are told in the app; nobody is e-mailed about demo events.
    with without_email():
        for step in capabilities.contributions("demo_steps"):
            step(session, world)
    session.flush()
    return logins
