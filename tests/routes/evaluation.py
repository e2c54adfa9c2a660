"""Evaluation routes: a trainee answers her own surveys and manages her own mentee feedback
links; the mentee's form is public, opened by the link's token alone; the impact report of a
partner or cohort is for its coordinators and the franchisor's administrators; written answers
only for the partner's coordinators. Nobody reaches another organisation's links, cohorts or
report, and those answer exactly as ids and names that do not exist."""

from lms.extensions import db
from lms.practice.surveys.operations import create_mentee_link
from tests.factories import CohortFactory, CourseFactory, EnrolmentFactory, synced_surveys
from tests.routes import EVERYONE_SIGNED_IN, Route, hiding_foreign

TRAINEES = frozenset({"trainee", "other_trainee"})
REPORT_READERS = frozenset({"coordinator", "admin"})


def build(world) -> None:
    course = CourseFactory(code="EVAL1")
    synced_surveys(course.code)
    partner_a, partner_c = world.orgs["A"], world.orgs["C"]
    cohorts = {
        "own": CohortFactory(organisation=partner_a, course=course),
        "foreign": CohortFactory(organisation=partner_c, course=course),
    }
    for name in ("trainee", "other_trainee"):
        EnrolmentFactory(
            user=world.people[name], course=course, organisation=partner_a, cohort=cohorts["own"]
        )
    EnrolmentFactory(
        user=world.people["foreign_trainee"],
        course=course,
        organisation=partner_c,
        cohort=cohorts["foreign"],
    )
    db.session.flush()
    own, own_token = create_mentee_link(db.session, world.people["trainee"], "Rose")
    foreign, foreign_token = create_mentee_link(db.session, world.people["foreign_trainee"])
    world.objects["evaluation"] = {
        "own": {"cohort": cohorts["own"], "link": own, "token": own_token},
        "foreign": {"cohort": cohorts["foreign"], "link": foreign, "token": foreign_token},
    }
    db.session.commit()


def _objects(world, scope):
    return world.objects["evaluation"][scope]


def _link(world, scope):
    return {"link_id": _objects(world, scope)["link"].id}


def _slug(world, scope):
    return {"slug": world.orgs["A" if scope == "own" else "C"].slug}


def _cohort(world, scope):
    return {**_slug(world, scope), "cohort_id": _objects(world, scope)["cohort"].id}


ROUTES = [
    Route("surveys.index", allowed=EVERYONE_SIGNED_IN),
    # The survey is the same everywhere; each trainee answers it in her own enrolment.
    Route(
        "surveys.answer",
        allowed=TRAINEES,
        url_args=lambda w, s: {"slug": "confidence", "moment": "start"},
        foreign_allowed=TRAINEES,
    ),
    # Everyone has a list of her own links (staff: an empty one, and making one is refused).
    Route("surveys.links", allowed=EVERYONE_SIGNED_IN, form={"label": "Rose"}),
    Route("surveys.paper", allowed=frozenset({"trainee"}), url_args=_link),
    Route("surveys.paper_answers", allowed=frozenset({"trainee"}), url_args=_link),
    Route("surveys.close_link", allowed=frozenset({"trainee"}), url_args=_link),
    Route(
        "surveys.mentee_form",
        public=True,
        url_args=lambda w, s: {"token": _objects(w, s)["token"]},
    ),
    Route("surveys.thanks", public=True),
    Route("surveys.report", allowed=REPORT_READERS, url_args=_slug),
    Route(
        "surveys.export",
        allowed=REPORT_READERS,
        url_args=lambda w, s: {**_slug(w, s), "kind": "csv"},
    ),
    Route("surveys.cohort_report", allowed=REPORT_READERS, url_args=_cohort),
    Route(
        "surveys.cohort_export",
        allowed=REPORT_READERS,
        url_args=lambda w, s: {**_cohort(w, s), "kind": "xlsx"},
    ),
    Route("surveys.comments", allowed=frozenset({"coordinator"}), url_args=_slug),
]
# Another organisation's records answer exactly as ids that name nothing.
ROUTES = hiding_foreign(ROUTES)
