from flask import g, url_for

from lms.core.home import Link, Section, home_sections
from lms.curriculum import queries
from lms.curriculum.models import Enrolment
from lms.extensions import db
from lms.i18n import _
from lms.permissions import can


def active_enrolments_on_home(user) -> list[Enrolment]:
    """Her courses, read once for the home page: its day, learning and practice sections
    each need them."""
    kept = g.get("home_active_enrolments")
    if kept is None or kept[0] != user.id:
        kept = (user.id, queries.active_enrolments(db.session, user))
        g.home_active_enrolments = kept
    return kept[1]


@home_sections(order=10)
def learning_section(user) -> list[Section]:
    if not can(user, "curriculum.learn"):
        return []
    enrolments = active_enrolments_on_home(user)
    links = [
        Link(
            enrolment.course.title,
            url_for("curriculum.course", enrolment_id=enrolment.id),
            _("Your units, lessons and progress."),
        )
        for enrolment in enrolments
    ]
    links.append(
        Link(
            _("All your learning"),
            url_for("curriculum.dashboard"),
            _("Every course you are on, and where you left off."),
        )
    )
    intro = "" if enrolments else _("You are not on a course yet. Your coordinator will add you.")
    return [Section(_("Your learning"), links, intro)]


@home_sections(order=40)
def course_content_section(user) -> list[Section]:
    if not can(user, "curriculum.preview"):
        return []
    return [
        Section(
            _("Course content"),
            [
                Link(
                    _("Courses and units"),
                    url_for("curriculum.catalogue"),
                    _(
                        "Read every course as trainees see it: units, criteria, credits and "
                        "lessons."
                    ),
                )
            ],
        )
    ]
