"""Franchise routes: licences, the overview, cohorts, enrolment, import and progress."""

from datetime import timedelta

from lms.accounts.roles import Role
from lms.curriculum import operations as curriculum
from lms.curriculum.models import CohortRole
from lms.db import utcnow
from lms.extensions import db
from tests.factories import LicenceFactory, LicenceUnitFactory, course_with_content
from tests.routes import Route, hiding_foreign

COORDINATORS = frozenset({"coordinator", "admin"})
COHORT_VIEWERS = COORDINATORS | {"assessor", "iqa"}


def build(world):
    """For partner A (own) and partner C (foreign): a licence, two cohorts, the trainee
    enrolled in the first, and (in A) the assessor and IQA assigned to it."""
    course = course_with_content(units=2, lessons=2)
    world.objects["course"] = course
    session = db.session
    for key, trainee, staff in (
        ("A", world.people["trainee"], ("assessor", "iqa")),
        ("C", world.people["foreign_trainee"], ("foreign_assessor",)),
    ):
        organisation = world.orgs[key]
        licence = LicenceFactory(organisation=organisation, course=course, seats=50)
        for code in ("U001", "U002"):
            LicenceUnitFactory(licence=licence, unit_code=code)
        spring = curriculum.create_cohort(
            session, organisation, course, "Spring", starts_on=utcnow().date() - timedelta(days=7)
        )
        autumn = curriculum.create_cohort(session, organisation, course, "Autumn")
        enrolment = curriculum.enrol(session, trainee, course, organisation, spring)
        for name in staff:
            person = world.people[name]
            role = CohortRole.IQA if Role.IQA in person.roles else CohortRole.ASSESSOR
            curriculum.assign_staff(session, spring, person, role)
        session.commit()
        world.objects[f"franchise_{key}"] = {
            "licence": licence.id,
            "spring": spring.id,
            "autumn": autumn.id,
            "enrolment": enrolment.id,
            "assessor": world.people[staff[0]].id,
        }


def _org(world, scope):
    return {"slug": world.orgs["A" if scope == "own" else "C"].slug}


def _objects(world, scope):
    return world.objects["franchise_A" if scope == "own" else "franchise_C"]


def _licence(world, scope):
    return {**_org(world, scope), "licence_id": _objects(world, scope)["licence"]}


def _cohort(world, scope):
    return {**_org(world, scope), "cohort_id": _objects(world, scope)["spring"]}


def _staff(world, scope):
    return {
        **_cohort(world, scope),
        "user_id": _objects(world, scope)["assessor"],
        "role": "assessor",
    }


def _enrolment(world, scope):
    return {**_org(world, scope), "enrolment_id": _objects(world, scope)["enrolment"]}


ROUTES = hiding_foreign(
    [
        Route("franchise.overview_page", allowed=frozenset({"admin"})),
        Route("franchise.partner", allowed=COORDINATORS, url_args=_org),
        Route("franchise.new_licence", allowed=frozenset({"admin"}), url_args=_org),
        Route("franchise.edit_licence", allowed=frozenset({"admin"}), url_args=_licence),
        Route("franchise.new_cohort", allowed=COORDINATORS, url_args=_org),
        Route("franchise.cohort", allowed=COHORT_VIEWERS, url_args=_cohort),
        Route("franchise.edit_cohort", allowed=COORDINATORS, url_args=_cohort),
        Route("franchise.close_cohort", allowed=COORDINATORS, url_args=_cohort),
        Route("franchise.reopen_cohort", allowed=frozenset({"admin"}), url_args=_cohort),
        Route("franchise.assign_staff", allowed=COORDINATORS, url_args=_cohort),
        Route("franchise.remove_staff", allowed=COORDINATORS, url_args=_staff),
        Route("franchise.enrol", allowed=COORDINATORS, url_args=_cohort),
        Route("franchise.import_enrolments", allowed=COORDINATORS, url_args=_org),
        Route("franchise.import_example", allowed=COORDINATORS, url_args=_org),
        Route("franchise.move", allowed=COORDINATORS, url_args=_enrolment),
        Route(
            "franchise.withdraw",
            allowed=COORDINATORS,
            url_args=_enrolment,
            form={"reason": "Moved away from the area."},
        ),
        Route("franchise.resend_invitation", allowed=COORDINATORS, url_args=_enrolment),
        Route(
            "franchise.withdraw_invitation",
            allowed=COORDINATORS,
            url_args=_cohort,
            form={"email": "nobody@example.org"},
        ),
        # The signed link in an invitation's e-mail is its own authority: anyone may open one,
        # and a link that is not valid is refused plainly.
        Route(
            "franchise.invitation",
            public=True,
            url_args=lambda world, scope: {"token": "not-a-token"},
            allowed_statuses=frozenset({400}),
        ),
        Route("franchise.cohort_progress", allowed=COHORT_VIEWERS, url_args=_cohort),
        Route("franchise.progress_csv", allowed=COHORT_VIEWERS, url_args=_cohort),
        Route("franchise.progress_xlsx", allowed=COHORT_VIEWERS, url_args=_cohort),
    ]
)
