"""What trainees see of their courses, and staff's read-only preview of course content."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.curriculum import offering, operations, queries
from lms.curriculum.forms import ProgressForm
from lms.curriculum.markdown import ASSET_URL_PREFIX
from lms.curriculum.models import Course, Enrolment, Unit
from lms.curriculum.panels import panels_for
from lms.curriculum.rules import explain
from lms.db import utcnow
from lms.errors import NotFound
from lms.extensions import db
from lms.i18n import _, current_language
from lms.permissions import authorize, can

blueprint = Blueprint("curriculum", __name__)

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class LearnUrls:
    """Addresses inside one enrolment ("learning" pages)."""

    def __init__(self, enrolment: Enrolment):
        self.enrolment_id = enrolment.id

    def course(self) -> str:
        return url_for("curriculum.course", enrolment_id=self.enrolment_id)

    def unit(self, code: str) -> str:
        return url_for("curriculum.unit", enrolment_id=self.enrolment_id, code=code)

    def lesson(self, code: str, slug: str) -> str:
        return url_for("curriculum.lesson", enrolment_id=self.enrolment_id, code=code, slug=slug)

    def complete(self, code: str, slug: str) -> str:
        return url_for(
            "curriculum.complete_lesson", enrolment_id=self.enrolment_id, code=code, slug=slug
        )

    def acknowledge(self, code: str, slug: str) -> str:
        return url_for(
            "curriculum.acknowledge_note", enrolment_id=self.enrolment_id, code=code, slug=slug
        )


class PreviewUrls:
    """Addresses of the staff preview of one course."""

    def __init__(self, course: Course):
        self.course_code = course.code

    def course(self) -> str:
        return url_for("curriculum.preview_course", course_code=self.course_code)

    def unit(self, code: str) -> str:
        return url_for("curriculum.preview_unit", course_code=self.course_code, code=code)

    def lesson(self, code: str, slug: str) -> str:
        return url_for(
            "curriculum.preview_lesson", course_code=self.course_code, code=code, slug=slug
        )


def _enrolment(enrolment_id: int) -> Enrolment:
    """The enrolment of the URL, found only among those the person may look at: any other is
    not found, exactly like an id that does not exist."""
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    if not can(current_user, "curriculum.enrolment.view", enrolment):
        raise NotFound()
    return enrolment


def _unit_to_learn(enrolment: Enrolment, code: str, *, with_criteria: bool = True) -> Unit:
    """A unit of the enrolment's course that is offered to her there today."""
    unit = queries.unit_in_course(db.session, enrolment.course, code, with_criteria=with_criteria)
    offering.require_unit_offered(db.session, enrolment, unit, utcnow().date())
    return unit


def _unit_to_read(enrolment: Enrolment, code: str, *, with_criteria: bool = True):
    """`_unit_to_learn`, with its words in the reader's language where they are translated."""
    unit, shown = queries.unit_to_read(
        db.session, enrolment.course, code, _language(), with_criteria=with_criteria
    )
    offering.require_unit_offered(db.session, enrolment, unit, utcnow().date())
    return unit, shown


def _language() -> str:
    """The reader's language, in which course content is shown where it is translated."""
    return current_language().code


@blueprint.errorhandler(offering.UnitNotOffered)
def _unit_not_offered(error: offering.UnitNotOffered):
    return render_template(
        "error.html", status=403, title=_("This unit is not open to you here"), text=error.message
    ), 403


# --- a trainee's learning ---------------------------------------------------------------------


@blueprint.route("/learning")
@login_required
def dashboard():
    authorize(current_user, "curriculum.learn")
    summaries = queries.dashboard(db.session, current_user)
    return render_template("curriculum/dashboard.html", summaries=summaries, LearnUrls=LearnUrls)


@blueprint.route("/learning/<int:enrolment_id>")
@login_required
def course(enrolment_id: int):
    enrolment = _enrolment(enrolment_id)
    outline = queries.course_outline(db.session, enrolment.course, enrolment)
    return render_template(
        "curriculum/course.html",
        outline=outline,
        enrolment=enrolment,
        rules=explain(enrolment.course.rules_of_combination),
        urls=LearnUrls(enrolment),
        own=enrolment.user_id == current_user.id,
    )


@blueprint.route("/learning/<int:enrolment_id>/units/<code>")
@login_required
def unit(enrolment_id: int, code: str):
    enrolment = _enrolment(enrolment_id)
    unit, shown = _unit_to_read(enrolment, code)
    return render_template(
        "curriculum/unit.html",
        course=enrolment.course,
        unit=unit,
        shown=shown,
        lessons=queries.unit_lessons(db.session, unit, enrolment, shown.wanted),
        panels=panels_for(db.session, current_user, unit, enrolment),
        enrolment=enrolment,
        urls=LearnUrls(enrolment),
    )


@blueprint.route("/learning/<int:enrolment_id>/units/<code>/lessons/<slug>")
@login_required
def lesson(enrolment_id: int, code: str, slug: str):
    enrolment = _enrolment(enrolment_id)
    unit, unit_shown = _unit_to_read(enrolment, code, with_criteria=False)
    page = queries.lesson_page(db.session, unit, slug, enrolment, current_user, _language())
    own = can(current_user, "curriculum.enrolment.progress", enrolment)
    note = page.shown.content_note or unit_shown.content_note
    template = "curriculum/lesson.html"
    if own and note and not page.acknowledged:
        template = "curriculum/content_note.html"  # nothing is recorded until she goes on
    elif own:
        operations.record_lesson_view(db.session, enrolment, page.lesson, page.progress)
    return render_template(
        template,
        course=enrolment.course,
        unit=unit,
        unit_shown=unit_shown,
        page=page,
        note=note,
        own=own,
        form=ProgressForm(),
        enrolment=enrolment,
        urls=LearnUrls(enrolment),
    )


@blueprint.route(
    "/learning/<int:enrolment_id>/units/<code>/lessons/<slug>/complete", methods=["POST"]
)
@login_required
def complete_lesson(enrolment_id: int, code: str, slug: str):
    enrolment = _enrolment(enrolment_id)
    authorize(current_user, "curriculum.enrolment.progress", enrolment)
    unit = _unit_to_learn(enrolment, code, with_criteria=False)
    lesson = queries.lesson_in_unit(db.session, unit, slug)
    form = ProgressForm()
    if not form.validate_on_submit():
        abort(400)
    complete = form.complete.data != "0"
    operations.mark_lesson_complete(db.session, enrolment, lesson, complete=complete)
    if complete:
        flash(_("“%(title)s” is marked as complete. Well done.", title=lesson.title), "success")
    else:
        flash(_("“%(title)s” is no longer marked as complete.", title=lesson.title), "info")
    return redirect(LearnUrls(enrolment).lesson(code, slug))


@blueprint.route(
    "/learning/<int:enrolment_id>/units/<code>/lessons/<slug>/continue", methods=["POST"]
)
@login_required
def acknowledge_note(enrolment_id: int, code: str, slug: str):
    enrolment = _enrolment(enrolment_id)
    authorize(current_user, "curriculum.enrolment.progress", enrolment)
    unit = _unit_to_learn(enrolment, code, with_criteria=False)
    lesson = queries.lesson_in_unit(db.session, unit, slug)
    if not ProgressForm().validate_on_submit():
        abort(400)
    operations.acknowledge_content_note(db.session, current_user, lesson)
    return redirect(LearnUrls(enrolment).lesson(code, slug))


# --- staff preview ----------------------------------------------------------------------------


@blueprint.route("/courses")
@login_required
def catalogue():
    authorize(current_user, "curriculum.preview")
    return render_template("curriculum/catalogue.html", courses=queries.all_courses(db.session))


@blueprint.route("/courses/<course_code>")
@login_required
def preview_course(course_code: str):
    authorize(current_user, "curriculum.preview")
    course = queries.course_by_code(db.session, course_code)
    return render_template(
        "curriculum/course.html",
        outline=queries.course_outline(db.session, course, criteria=True),
        enrolment=None,
        rules=explain(course.rules_of_combination),
        urls=PreviewUrls(course),
        own=False,
    )


@blueprint.route("/courses/<course_code>/units/<code>")
@login_required
def preview_unit(course_code: str, code: str):
    authorize(current_user, "curriculum.preview")
    course = queries.course_by_code(db.session, course_code)
    unit, shown = queries.unit_to_read(db.session, course, code, _language())
    return render_template(
        "curriculum/unit.html",
        course=course,
        unit=unit,
        shown=shown,
        lessons=queries.unit_lessons(db.session, unit, None, shown.wanted),
        panels=panels_for(db.session, current_user, unit, None),
        enrolment=None,
        urls=PreviewUrls(course),
    )


@blueprint.route("/courses/<course_code>/units/<code>/lessons/<slug>")
@login_required
def preview_lesson(course_code: str, code: str, slug: str):
    authorize(current_user, "curriculum.preview")
    course = queries.course_by_code(db.session, course_code)
    unit, unit_shown = queries.unit_to_read(
        db.session, course, code, _language(), with_criteria=False
    )
    page = queries.lesson_page(db.session, unit, slug, None, current_user, _language())
    return render_template(
        "curriculum/lesson.html",
        course=course,
        unit=unit,
        unit_shown=unit_shown,
        page=page,
        note=page.shown.content_note or unit_shown.content_note,
        own=False,
        form=None,
        enrolment=None,
        urls=PreviewUrls(course),
    )


# --- pictures used by lessons -----------------------------------------------------------------


@blueprint.route(ASSET_URL_PREFIX + "<sha256>")
@login_required
def asset(sha256: str):
    authorize(current_user, "curriculum.asset.view")
    if not SHA256.match(sha256):
        abort(404)
    stored = queries.course_asset(db.session, sha256)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = "attachment"  # shown by <img>, never as a page
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
