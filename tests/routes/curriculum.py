from sqlalchemy import select

from lms.curriculum.models import CourseAsset, CourseUnit, Lesson, Unit
from lms.extensions import db
from tests.factories import EnrolmentFactory, course_with_content
from tests.factories.course_files import tiny_png
from tests.routes import EVERYONE_SIGNED_IN, STAFF, Route, hiding_foreign

ENROLMENT_VIEWERS = frozenset({"trainee", "coordinator", "assessor", "iqa", "admin"})


def build(world):
    course = course_with_content(units=1, lessons=2, code="ROUTES-1")
    unit = db.session.scalar(
        select(Unit)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == course.id)
    )
    lesson = db.session.scalar(select(Lesson).where(Lesson.unit_id == unit.id))
    data = tiny_png()
    asset = CourseAsset(sha256="a" * 64, content_type="image/png", size=len(data), data=data)
    db.session.add(asset)
    db.session.commit()
    world.objects["curriculum"] = {
        "own": EnrolmentFactory(
            user=world.people["trainee"], course=course, organisation=world.orgs["A"]
        ),
        "foreign": EnrolmentFactory(
            user=world.people["foreign_trainee"], course=course, organisation=world.orgs["C"]
        ),
        "course": course.code,
        "unit": unit.code,
        "lesson": lesson.slug,
        "asset": asset.sha256,
    }


def _enrolment(world, scope):
    return {"enrolment_id": world.objects["curriculum"][scope].id}


def _unit(world, scope):
    return {**_enrolment(world, scope), "code": world.objects["curriculum"]["unit"]}


def _lesson(world, scope):
    return {**_unit(world, scope), "slug": world.objects["curriculum"]["lesson"]}


# Courses belong to no organisation (the franchisor's curriculum), so "foreign" is the same
# course: staff of any organisation may preview it.
def _course(world, scope):
    return {"course_code": world.objects["curriculum"]["course"]}


def _preview_unit(world, scope):
    return {**_course(world, scope), "code": world.objects["curriculum"]["unit"]}


def _preview_lesson(world, scope):
    return {**_preview_unit(world, scope), "slug": world.objects["curriculum"]["lesson"]}


ROUTES = hiding_foreign(
    [
        Route("curriculum.dashboard", allowed=frozenset({"trainee", "other_trainee"})),
        Route("curriculum.course", allowed=ENROLMENT_VIEWERS, url_args=_enrolment),
        Route("curriculum.unit", allowed=ENROLMENT_VIEWERS, url_args=_unit),
        Route("curriculum.lesson", allowed=ENROLMENT_VIEWERS, url_args=_lesson),
        Route(
            "curriculum.complete_lesson",
            allowed=frozenset({"trainee"}),
            url_args=_lesson,
            form={"complete": "1"},
        ),
        Route("curriculum.acknowledge_note", allowed=frozenset({"trainee"}), url_args=_lesson),
        Route("curriculum.catalogue", allowed=STAFF),
        Route("curriculum.preview_course", allowed=STAFF, url_args=_course, foreign_allowed=STAFF),
        Route(
            "curriculum.preview_unit", allowed=STAFF, url_args=_preview_unit, foreign_allowed=STAFF
        ),
        Route(
            "curriculum.preview_lesson",
            allowed=STAFF,
            url_args=_preview_lesson,
            foreign_allowed=STAFF,
        ),
        # Pictures in lessons: any signed-in person; the address is the picture's SHA-256.
        Route(
            "curriculum.asset",
            allowed=EVERYONE_SIGNED_IN,
            url_args=lambda world, scope: {"sha256": world.objects["curriculum"]["asset"]},
            foreign_allowed=EVERYONE_SIGNED_IN,
        ),
    ]
)
