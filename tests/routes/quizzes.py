"""Quiz routes: trainees take their own attempts; coordinators, the assessors of the trainee's
cohort, the franchisor's administrators and an EQA given the learner (here the table's EQA has
no grant for the quiz's trainee) see results; coordinators and administrators see
item analysis (scoped to their trainees, so the same quiz page is open to them everywhere)."""

from lms.curriculum.models import CohortRole
from lms.curriculum.operations import assign_staff
from lms.extensions import db
from lms.quizzes.operations import start_attempt
from tests.factories import (
    CohortFactory,
    CourseFactory,
    CourseUnitFactory,
    EnrolmentFactory,
    UnitFactory,
    quiz_for_unit,
)
from tests.routes import EVERYONE_SIGNED_IN, Route, hiding_foreign

TRAINEES = frozenset({"trainee", "other_trainee"})
RESULT_READERS = frozenset({"trainee", "assessor", "coordinator", "admin"})
ANALYSTS = frozenset({"coordinator", "admin"})


def build(world) -> None:
    course = CourseFactory()
    unit = UnitFactory()
    CourseUnitFactory(course=course, unit=unit)
    quiz = quiz_for_unit(unit)
    partner_a, partner_c = world.orgs["A"], world.orgs["C"]
    cohort = CohortFactory(organisation=partner_a, course=course)
    assign_staff(db.session, cohort, world.people["assessor"], CohortRole.ASSESSOR)
    enrolments = {
        name: EnrolmentFactory(
            user=world.people[name], course=course, organisation=partner_a, cohort=cohort
        )
        for name in ("trainee", "other_trainee")
    }
    foreign = EnrolmentFactory(
        user=world.people["foreign_trainee"],
        course=course,
        organisation=partner_c,
        cohort=CohortFactory(organisation=partner_c, course=course),
    )
    world.objects["quiz"] = quiz
    world.objects["quiz_attempt_own"] = start_attempt(db.session, enrolments["trainee"], quiz)
    world.objects["quiz_attempt_foreign"] = start_attempt(db.session, foreign, quiz)
    db.session.commit()


def _quiz(world, scope):
    return {"slug": world.objects["quiz"].slug}


def _attempt(world, scope):
    return {"attempt_id": world.objects[f"quiz_attempt_{scope}"].id}


def _question(world, scope):
    attempt = world.objects[f"quiz_attempt_{scope}"]
    return {"attempt_id": attempt.id, "question_id": attempt.question_ids[0]}


ROUTES = [
    Route("quizzes.index", allowed=EVERYONE_SIGNED_IN),
    Route("quizzes.history", allowed=EVERYONE_SIGNED_IN),
    # An EQA's list holds only the attempts of learners she has a current grant for.
    Route("quizzes.results", allowed=frozenset({"assessor", "coordinator", "admin", "eqa"})),
    Route(
        "quizzes.overview",
        allowed=EVERYONE_SIGNED_IN,
        url_args=_quiz,
        foreign_allowed=EVERYONE_SIGNED_IN,
    ),
    Route("quizzes.start", allowed=TRAINEES, url_args=_quiz, foreign_allowed=TRAINEES),
    Route("quizzes.analysis", allowed=ANALYSTS, url_args=_quiz, foreign_allowed=ANALYSTS),
    Route("quizzes.attempt", allowed=RESULT_READERS, url_args=_attempt),
    Route("quizzes.question", allowed=frozenset({"trainee"}), url_args=_question),
    Route("quizzes.save_answer", allowed=frozenset({"trainee"}), url_args=_question),
    Route("quizzes.submit", allowed=frozenset({"trainee"}), url_args=_attempt),
]
# Another organisation's records answer exactly as ids that name nothing.
ROUTES = hiding_foreign(ROUTES)
