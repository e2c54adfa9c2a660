"""Witness testimony routes: the trainee asks the witness of her own witness testimony to
confirm it; the witness's page is public, opened by its link's token alone (an empty answer
is refused and spends nothing). Another organisation's evidence answers as missing ids do."""

from sqlalchemy import select

from lms.curriculum.models import AssessmentCriterion, CourseUnit
from lms.extensions import db
from lms.portfolio import witnesses
from lms.portfolio.models import EvidenceType
from tests.factories import CohortFactory, EnrolmentFactory, add_evidence, course_with_content
from tests.routes import Route, hiding_foreign


def _make(world, scope: str) -> dict:
    organisation = world.orgs["A" if scope == "own" else "C"]
    trainee = world.people["trainee" if scope == "own" else "foreign_trainee"]
    course = course_with_content(units=1, lessons=1, outcomes=1, criteria=1)
    enrolment = EnrolmentFactory(
        user=trainee,
        course=course,
        organisation=organisation,
        cohort=CohortFactory(organisation=organisation, course=course),
    )
    criteria = db.session.scalars(
        select(AssessmentCriterion)
        .join(CourseUnit, CourseUnit.unit_id == AssessmentCriterion.unit_id)
        .where(CourseUnit.course_id == course.id)
    ).all()
    evidence = add_evidence(
        enrolment,
        criteria,
        title="A statement from my supervisor",
        evidence_type=EvidenceType.WITNESS_TESTIMONY,
        file=None,
    )
    _, token = witnesses.ask_witness(
        db.session,
        evidence,
        trainee,
        name="Mara Lind",
        role="placement supervisor",
        email=f"mara.{scope}@example.org",
        trainee_name=trainee.display_name,
    )
    db.session.commit()
    return {"enrolment": enrolment, "evidence": evidence, "token": token}


def build(world) -> None:
    world.objects["witness"] = {scope: _make(world, scope) for scope in ("own", "foreign")}


def _evidence(world, scope):
    objects = world.objects["witness"][scope]
    return {"enrolment_id": objects["enrolment"].id, "evidence_id": objects["evidence"].id}


ROUTES = [
    *hiding_foreign(
        [
            Route(
                "witness.ask",
                allowed=frozenset({"trainee"}),
                url_args=_evidence,
                form={"name": "Ann Berg", "role": "colleague", "email": "ann@example.org"},
            )
        ]
    ),
    Route(
        "witness.confirm",
        public=True,
        url_args=lambda w, s: {"token": w.objects["witness"][s]["token"]},
    ),
    Route("witness.thanks", public=True),
]
