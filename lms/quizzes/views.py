"""Quiz pages: a trainee's quizzes, an attempt question by question, handing in, results and
review; staff results and item analysis. Views parse, authorise and call the domain; the
request commits (or, answering an error, rolls back) in one place, `lms.web`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from lms.db import utcnow
from lms.errors import NotFound, PermissionDenied
from lms.extensions import db
from lms.i18n import _, current_language, format_decimal, format_time
from lms.permissions import authorize, can
from lms.quizzes import operations, queries
from lms.quizzes.analysis import MIN_ATTEMPTS, analyse
from lms.quizzes.answers import page_values
from lms.quizzes.limits import describe_wait
from lms.quizzes.models import QuizAttempt
from lms.quizzes.text import render_block, render_inline
from lms.web import flashed_errors, load_or_404

blueprint = Blueprint("quizzes", __name__, url_prefix="/quizzes")


@blueprint.app_template_filter("quiz_block")
def _quiz_block(text):
    return render_block(text)


@blueprint.app_template_filter("quiz_inline")
def _quiz_inline(text):
    return render_inline(text)


def _as_decimal(value: Decimal | Fraction | float | int) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(str(value))


@blueprint.app_template_filter("quiz_number")
def _quiz_number(value: Decimal | Fraction | float | int | None) -> str:
    """82.50 -> "82.5", 100.00 -> "100", 1/3 -> "0.33" (in the reader's language: "82,5")."""
    if value is None:
        return ""
    return format_decimal(_as_decimal(value).quantize(Decimal("0.01")), "#,##0.##")


@blueprint.app_template_filter("quiz_count")
def _quiz_count(value: Decimal | Fraction | float | int) -> int:
    """The whole number that chooses a plural form for a number of points: a whole number
    itself, a fraction the form for "several" (1.5 points)."""
    number = _as_decimal(value)
    return int(number) if number == number.to_integral_value() else 2


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _attempt_for(attempt_id: int, action: str) -> QuizAttempt:
    """The attempt, if the person may see it (otherwise not found), and may do `action`."""
    attempt = load_or_404(
        QuizAttempt, attempt_id, "quiz.view_attempt", options=queries.ATTEMPT_WITH_QUIZ
    )
    authorize(current_user, action, attempt)
    return attempt


def _close_if_expired(attempt, now: datetime) -> bool:
    if operations.close_if_expired(db.session, attempt, now=now):
        if attempt.user_id == current_user.id:
            flash(
                _(
                    "The time for this attempt ran out, so we have marked the answers you "
                    "saved in time."
                ),
                "info",
            )
        return True
    return False


# --- a trainee's quizzes -----------------------------------------------------------------------


@blueprint.get("/")
@login_required
def index():
    return render_template(
        "quizzes/index.html",
        mine=queries.trainee_quizzes(db.session, current_user),
        all_quizzes=queries.current_quizzes(db.session)
        if can(current_user, "quiz.analyse")
        else [],
    )


@blueprint.get("/history")
@login_required
def history():
    return render_template(
        "quizzes/history.html", attempts=queries.history(db.session, current_user)
    )


@blueprint.get("/<slug>")
@login_required
def overview(slug: str):
    now = utcnow()
    quiz = queries.current_quiz(db.session, slug)
    enrolment = queries.enrolment_for_quiz(db.session, current_user, quiz)
    may_take = enrolment is not None and can(current_user, "quiz.take", enrolment)
    attempts = queries.attempts_in(db.session, enrolment.id, slug) if may_take else []
    return render_template(
        "quizzes/overview.html",
        quiz=quiz,
        definition=quiz.parsed.in_language(current_language().code),
        unit_title=queries.unit_title(db.session, quiz.unit_code, current_language().code),
        may_take=may_take,
        attempts=attempts,
        open_attempt=next((a for a in attempts if a.is_open), None),
        status=queries.availability_for(db.session, quiz, enrolment.id, now) if may_take else None,
        now=now,
    )


@blueprint.post("/<slug>/start")
@login_required
def start(slug: str):
    quiz = queries.current_quiz(db.session, slug)
    enrolment = queries.enrolment_for_quiz(db.session, current_user, quiz)
    if enrolment is None or not can(current_user, "quiz.take", enrolment):
        raise PermissionDenied()
    with flashed_errors():
        attempt = operations.start_or_resume_attempt(db.session, enrolment, quiz)
        return redirect(url_for(".attempt", attempt_id=attempt.id), code=303)
    return redirect(url_for(".overview", slug=slug), code=303)


# --- an attempt --------------------------------------------------------------------------------


@blueprint.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    now = utcnow()
    attempt = _attempt_for(attempt_id, "quiz.view_attempt")
    _close_if_expired(attempt, now)
    mine = attempt.user_id == current_user.id
    if attempt.is_open:
        answered = set(queries.saved_answers(db.session, attempt))
        return render_template(
            "quizzes/attempt.html",
            attempt=attempt,
            mine=mine,
            questions=attempt.paper["questions"],
            answered=answered,
            now=now,
        )
    result = queries.attempt_result(db.session, attempt, for_trainee=mine, now=now)
    return render_template(
        "quizzes/result.html", result=result, attempt=attempt, mine=mine, now=now
    )


def _paper_entry(attempt, question_id: str) -> tuple[int, dict]:
    for index, entry in enumerate(attempt.paper["questions"]):
        if entry["id"] == question_id:
            return index, entry
    raise NotFound()


@blueprint.get("/attempts/<int:attempt_id>/questions/<question_id>")
@login_required
def question(attempt_id: int, question_id: str):
    now = utcnow()
    attempt = _attempt_for(attempt_id, "quiz.answer")
    if _close_if_expired(attempt, now) or not attempt.is_open:
        return redirect(url_for(".attempt", attempt_id=attempt.id))
    index, entry = _paper_entry(attempt, question_id)
    answers = queries.saved_answers(db.session, attempt)
    questions = attempt.paper["questions"]
    return render_template(
        "quizzes/question.html",
        attempt=attempt,
        entry=entry,
        number=index + 1,
        total=len(questions),
        previous=questions[index - 1]["id"] if index > 0 else None,
        following=questions[index + 1]["id"] if index + 1 < len(questions) else None,
        values=page_values(attempt.definition, attempt.paper_key, answers),
        answered=set(answers),
        now=now,
    )


@blueprint.post("/attempts/<int:attempt_id>/questions/<question_id>")
@login_required
def save_answer(attempt_id: int, question_id: str):
    """Save one question's answers. The page's autosave asks for JSON; a refusal then answers
    JSON with an error status, which rolls back like any error status."""
    attempt = _attempt_for(attempt_id, "quiz.answer")
    try:
        operations.save_answers(db.session, attempt, question_id, request.form)
    except operations.TamperedForm as error:
        current_app.logger.warning(
            "Refused a quiz answer for attempt %s from user %s: %s",
            attempt_id,
            current_user.id,
            error.detail,
        )
        if _wants_json():
            return jsonify(saved=False, message=error.message), 400
        raise  # the 400 error page, with the message
    except operations.AttemptClosed as error:
        if _wants_json():
            return jsonify(saved=False, message=error.message, closed=True), 409
        # Refused before anything was written, so sending her back changes nothing.
        flash(error.message, "error")
        return redirect(url_for(".attempt", attempt_id=attempt_id), code=303)
    if _wants_json():
        return jsonify(saved=True, message=_("Saved at %(time)s", time=format_time(utcnow())))
    index, _entry = _paper_entry(attempt, question_id)
    questions = attempt.paper["questions"]
    flash(_("Your answer has been saved."), "success")
    if request.form.get("then") == "next" and index + 1 < len(questions):
        target = url_for(".question", attempt_id=attempt_id, question_id=questions[index + 1]["id"])
    else:
        target = url_for(".attempt", attempt_id=attempt_id)
    return redirect(target, code=303)


@blueprint.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = _attempt_for(attempt_id, "quiz.answer")
    graded_now = operations.submit_attempt(db.session, attempt)
    if not graded_now:
        flash(_("This attempt had already been handed in. Here is its result."), "info")
    elif attempt.timed_out:
        flash(
            _(
                "The time ran out before you handed this in, so we marked the answers you "
                "saved in time."
            ),
            "info",
        )
    return redirect(url_for(".attempt", attempt_id=attempt_id), code=303)


# --- staff -------------------------------------------------------------------------------------


@blueprint.get("/results")
@login_required
def results():
    authorize(current_user, "quiz.view_results")
    slug = request.args.get("quiz") or None
    trainee_id = request.args.get("trainee", type=int)
    page = queries.results_for_staff(
        db.session,
        current_user,
        slug=slug,
        trainee_id=trainee_id,
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "quizzes/results.html",
        results=page,
        quizzes=queries.current_quizzes(db.session),
        slug=slug,
        trainee_id=trainee_id,
    )


@blueprint.get("/<slug>/analysis")
@login_required
def analysis(slug: str):
    authorize(current_user, "quiz.analyse")
    quiz = queries.current_quiz(db.session, slug)
    report = analyse(quiz.parsed, queries.analysis_records(db.session, current_user, slug))
    return render_template(
        "quizzes/analysis.html",
        quiz=quiz,
        report=report,
        min_attempts=MIN_ATTEMPTS,
        whole_franchise=can(current_user, "admin.access"),
    )


@blueprint.app_template_global("quiz_wait")
def _quiz_wait(until: datetime, now: datetime) -> str:
    return describe_wait(until, now)
