from flask import url_for

from lms.core.home import Link, Section, home_sections
from lms.curriculum import queries
from lms.extensions import db
from lms.permissions import can


@home_sections(order=10)
def learning_section(user) -> list[Section]:
    if not can(user, "curriculum.learn"):
        return []
    enrolments = queries.active_enrolments(db.session, user)
    links = [
        Link(
            enrolment.course.title,
            url_for("curriculum.course", enrolment_id=enrolment.id),
            "Your units, lessons and progress.",
        )
        for enrolment in enrolments
    ]
    links.append(
        Link(
            "All your learning",
            url_for("curriculum.dashboard"),
            "Every course you are on, and where you left off.",
        )
    )
    intro = "" if enrolments else "You are not on a course yet. Your coordinator will add you."
    return [Section("Your learning", links, intro)]


@home_sections(order=40)
def course_content_section(user) -> list[Section]:
    if not can(user, "curriculum.preview"):
        return []
    return [
        Section(
            "Course content",
            [
                Link(
                    "Courses and units",
                    url_for("curriculum.catalogue"),
                    "Read every course as trainees see it: units, criteria, credits and lessons.",
                )
            ],
        )
    ]
