"""Assessors' queue and judging; IQA sampling, review, plan, reports, standardisation; EQA."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.assessment import operations, quality, queries
from lms.assessment.forms import (
    CloseStandardisationForm,
    EqaAccessForm,
    JudgeForm,
    PlanForm,
    ReviewForm,
    StandardisationForm,
    StandardisationJudgeForm,
)
from lms.assessment.models import (
    Decision,
    IqaSample,
    StandardisationExercise,
)
from lms.assessment.operations import Verdict
from lms.curriculum.models import Enrolment, Unit
from lms.errors import Conflict, DomainError, NotFound
from lms.extensions import db
from lms.permissions import authorize, can, iqa_organisation_ids
from lms.portfolio.forms import ButtonForm, choices
from lms.portfolio.models import Submission, SubmissionStatus
from lms.portfolio.queries import enrolment_for, submission_in

blueprint = Blueprint("assessment", __name__)


def _submission(submission_id: int, action: str = "assessment.judge") -> Submission:
    found = db.session.get(Submission, submission_id)
    if found is None or not can(current_user, action, found):
        raise NotFound()
    return found


def _organisation(slug: str, action: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or not can(current_user, action, organisation):
        raise NotFound()
    return organisation


@blueprint.route("/assessment/queue")
@login_required
def queue():
    authorize(current_user, "assessment.queue")
    cohort_id = request.args.get("cohort", type=int)
    unit_id = request.args.get("unit", type=int)
    rows = queries.assessor_queue(db.session, current_user, cohort_id=cohort_id, unit_id=unit_id)
    countersign = [
        r
        for r in queries.assessor_queue(
            db.session, current_user, status=SubmissionStatus.AWAITING_COUNTERSIGN
        )
        if not operations.is_trainee_assessor(
            db.session, current_user.id, r.submission.organisation_id
        )
    ]
    all_rows = queries.assessor_queue(db.session, current_user)
    units = sorted({(r.unit.id, r.unit.code) for r in all_rows}, key=lambda u: u[1])
    return render_template(
        "assessment/queue.html",
        rows=rows,
        countersign=countersign,
        cohorts=queries.assessor_cohorts(db.session, current_user),
        units=units,
        cohort_id=cohort_id,
        unit_id=unit_id,
    )


def _verdicts(history) -> dict[int, Verdict]:
    verdicts = {}
    for criterion in history.criteria:
        met = request.form.get(f"met-{criterion.id}")
        if met in ("yes", "no"):
            verdicts[criterion.id] = Verdict(
                met == "yes", request.form.get(f"feedback-{criterion.id}", "")[:5000]
            )
    return verdicts


def _judge_page(submission, form, review_form, status=200, error=None):
    enrolment = enrolment_for(db.session, current_user, submission.enrolment_id)
    history = queries.decision_history(db.session, submission)
    latest = history.latest
    may_countersign = (
        submission.status == SubmissionStatus.AWAITING_COUNTERSIGN
        and latest is not None
        and latest.decision.assessor_id != current_user.id
        and not operations.is_trainee_assessor(
            db.session, current_user.id, submission.organisation_id
        )
    )
    return render_template(
        "assessment/judge.html",
        submission=db.session.scalar(
            select(Submission)
            .where(Submission.id == submission.id)
            .options(selectinload(Submission.items))
        ),
        enrolment=enrolment,
        trainee=db.session.get(User, submission.trainee_id),
        history=history,
        form=form,
        review_form=review_form,
        may_countersign=may_countersign,
        posted=request.form if request.method == "POST" else {},
        error=error,
    ), status


@blueprint.route("/assessment/submissions/<int:submission_id>", methods=["GET", "POST"])
@login_required
def judge(submission_id: int):
    submission = _submission(submission_id)
    form = JudgeForm()
    if request.method == "GET":
        form.state_version.data = submission.state_version
    if form.validate_on_submit():
        history = queries.decision_history(db.session, submission)
        try:
            operations.judge(
                db.session,
                submission,
                current_user,
                expected_version=int(form.state_version.data or 0),
                outcome=form.outcome.data,
                verdicts=_verdicts(history),
                feedback=form.feedback.data or "",
                actions=form.actions.data or "",
            )
        except Conflict as error:
            db.session.rollback()
            return _judge_page(
                submission, JudgeForm(formdata=None), ReviewForm(), 409, error.message
            )
        except DomainError as error:
            db.session.rollback()
            return _judge_page(submission, form, ReviewForm(), 400, error.message)
        db.session.commit()
        flash("Your decision has been recorded and signed.", "success")
        return redirect(url_for("assessment.queue"))
    return _judge_page(
        submission,
        form,
        ReviewForm(state_version=submission.state_version),
        400 if request.method == "POST" else 200,
    )


@blueprint.route("/assessment/decisions/<int:decision_id>/countersign", methods=["POST"])
@login_required
def countersign(decision_id: int):
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        raise NotFound()
    submission = _submission(decision.submission_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _judge_page(submission, JudgeForm(), form, 400)
    try:
        operations.countersign_as_assessor(
            db.session,
            decision,
            current_user,
            expected_version=int(form.state_version.data or 0),
            agrees=form.agrees.data == "yes",
            comments=form.comments.data or "",
        )
    except Conflict as error:
        db.session.rollback()
        return _judge_page(submission, JudgeForm(formdata=None), form, 409, error.message)
    except DomainError as error:
        db.session.rollback()
        return _judge_page(submission, JudgeForm(), form, 400, error.message)
    db.session.commit()
    flash("Thank you: your countersignature has been recorded.", "success")
    return redirect(url_for("assessment.queue"))


# --- internal quality assurance -----------------------------------------------------------------


def _iqa_organisations():
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(iqa_organisation_ids(current_user)))
            .order_by(Organisation.name)
        )
    )


@blueprint.route("/iqa/")
@login_required
def iqa_home():
    authorize(current_user, "iqa.access")
    organisations = _iqa_organisations()
    ids = [o.id for o in organisations]
    sampled = select(IqaSample.decision_id)
    recent = list(
        db.session.execute(
            select(Decision, Submission, Unit)
            .join(Submission, Submission.id == Decision.submission_id)
            .join(Unit, Unit.id == Submission.unit_id)
            .where(Decision.organisation_id.in_(ids), Decision.id.not_in(sampled))
            .order_by(Decision.decided_at.desc())
            .limit(30)
        )
    )
    exercises = list(
        db.session.scalars(
            select(StandardisationExercise)
            .where(StandardisationExercise.organisation_id.in_(ids))
            .order_by(StandardisationExercise.created_at.desc())
        )
    )
    return render_template(
        "assessment/iqa_home.html",
        samples=queries.iqa_samples(db.session, current_user),
        organisations=organisations,
        recent=recent,
        exercises=exercises,
        button_form=ButtonForm(),
    )


@blueprint.route("/iqa/samples/<int:sample_id>", methods=["GET", "POST"])
@login_required
def review(sample_id: int):
    sample = db.session.get(IqaSample, sample_id)
    decision = db.session.get(Decision, sample.decision_id) if sample else None
    if decision is None or not can(current_user, "iqa.review", decision):
        raise NotFound()
    submission = db.session.get(Submission, decision.submission_id)
    form = ReviewForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.review_sample(
                db.session,
                sample,
                current_user,
                agrees=form.agrees.data == "yes",
                comments=form.comments.data or "",
            )
        except DomainError as problem:
            db.session.rollback()
            error = problem.message
        else:
            db.session.commit()
            flash("Your review has been recorded.", "success")
            return redirect(url_for("assessment.iqa_home"))
    enrolment = db.session.get(Enrolment, submission.enrolment_id)
    return render_template(
        "assessment/review.html",
        sample=sample,
        decision=decision,
        submission=submission_in(db.session, enrolment, submission.id),
        enrolment=enrolment,
        trainee=db.session.get(User, submission.trainee_id),
        history=queries.decision_history(db.session, submission),
        form=form,
        error=error,
    ), (400 if request.method == "POST" else 200)


@blueprint.route("/iqa/decisions/<int:decision_id>/pick", methods=["POST"])
@login_required
def pick_sample(decision_id: int):
    decision = db.session.get(Decision, decision_id)
    if decision is None or not can(current_user, "iqa.review", decision):
        raise NotFound()
    if ButtonForm().validate_on_submit():
        try:
            operations.pick_for_sampling(db.session, decision, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("The decision has been added to your sample.", "success")
    return redirect(url_for("assessment.iqa_home"))


@blueprint.route("/iqa/<slug>/plan", methods=["GET", "POST"])
@login_required
def sampling_plan(slug: str):
    organisation = _organisation(slug, "iqa.manage")
    plan = operations.sampling_plan(db.session, organisation.id)
    form = PlanForm(obj=plan)
    if form.validate_on_submit():
        try:
            operations.save_sampling_plan(
                db.session,
                organisation.id,
                current_user,
                percentage=form.percentage.data,
                first_decisions=form.first_decisions.data,
            )
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "percentage").errors.append(error.message)
        else:
            db.session.commit()
            flash("The sampling plan has been saved.", "success")
            return redirect(url_for("assessment.sampling_plan", slug=slug))
    return render_template("assessment/plan.html", organisation=organisation, form=form), (
        400 if request.method == "POST" else 200
    )


@blueprint.route("/iqa/<slug>/report")
@login_required
def report(slug: str):
    organisation = _organisation(slug, "iqa.manage")
    ids = [organisation.id]
    if organisation.is_franchisor:
        ids += list(
            db.session.scalars(
                select(Organisation.id).where(Organisation.franchisor_id == organisation.id)
            )
        )
    return render_template(
        "assessment/report.html",
        organisation=organisation,
        rows=queries.iqa_report(db.session, ids),
        assessors=queries.assessors_with_standing(db.session, organisation.id),
        button_form=ButtonForm(),
    )


@blueprint.route("/iqa/<slug>/assessors/<int:user_id>/standing", methods=["POST"])
@login_required
def assessor_standing(slug: str, user_id: int):
    organisation = _organisation(slug, "iqa.manage")
    assessor = db.session.scalar(
        select(User).where(
            User.id == user_id,
            User.memberships.any(role=Role.ASSESSOR, organisation_id=organisation.id),
        )
    )
    if assessor is None:
        raise NotFound()
    if ButtonForm().validate_on_submit():
        trainee = request.form.get("trainee") == "1"
        operations.set_trainee_assessor(db.session, assessor, organisation.id, trainee=trainee)
        db.session.commit()
        flash(
            f"{assessor.display_name}'s sign-offs now need a countersignature."
            if trainee
            else f"{assessor.display_name} is recorded as a qualified assessor.",
            "success",
        )
    return redirect(url_for("assessment.report", slug=slug))


# --- standardisation ----------------------------------------------------------------------------


def _exercise(exercise_id: int, action: str) -> StandardisationExercise:
    exercise = db.session.scalar(
        select(StandardisationExercise)
        .where(StandardisationExercise.id == exercise_id)
        .options(selectinload(StandardisationExercise.participants))
    )
    if exercise is None or not can(current_user, action, exercise):
        raise NotFound()
    return exercise


@blueprint.route("/iqa/<slug>/standardisation/new", methods=["GET", "POST"])
@login_required
def new_standardisation(slug: str):
    organisation = _organisation(slug, "iqa.manage")
    form = StandardisationForm()
    submissions = list(
        db.session.execute(
            select(Submission, Unit)
            .join(Unit, Unit.id == Submission.unit_id)
            .where(Submission.organisation_id == organisation.id)
            .order_by(Submission.submitted_at.desc())
            .limit(100)
        )
    )
    form.submission_id.choices = choices(
        [
            (s.id, f"{u.code}, submission {s.id} of {s.submitted_at:%d %B %Y}")
            for s, u in submissions
        ]
    )
    form.assessors.choices = choices(
        [
            (u.id, u.display_name)
            for u in db.session.scalars(
                select(User)
                .where(User.memberships.any(role=Role.ASSESSOR, organisation_id=organisation.id))
                .order_by(User.display_name)
            )
        ]
    )
    if form.validate_on_submit():
        try:
            exercise = quality.start_standardisation(
                db.session,
                organisation,
                current_user,
                title=form.title.data,
                submission=db.session.get(Submission, form.submission_id.data),
                assessor_ids=form.assessors.data,
            )
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "title").errors.append(error.message)
        else:
            db.session.commit()
            flash("The standardisation exercise has been set.", "success")
            return redirect(url_for("assessment.standardisation", exercise_id=exercise.id))
    return render_template(
        "assessment/standardisation_new.html", organisation=organisation, form=form
    ), (400 if request.method == "POST" else 200)


@blueprint.route("/standardisation/<int:exercise_id>")
@login_required
def standardisation(exercise_id: int):
    exercise = _exercise(exercise_id, "standardisation.view")
    submission = db.session.get(Submission, exercise.submission_id)
    history = queries.decision_history(db.session, submission)
    enrolment = db.session.get(Enrolment, submission.enrolment_id)
    mine = next((p for p in exercise.participants if p.assessor_id == current_user.id), None)
    manages = can(
        current_user, "iqa.manage", db.session.get(Organisation, exercise.organisation_id)
    )
    sees_all = manages or Role.EQA in current_user.roles
    people = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_([p.assessor_id for p in exercise.participants]))
        )
    }
    return render_template(
        "assessment/standardisation.html",
        exercise=exercise,
        submission=submission_in(db.session, enrolment, submission.id),
        enrolment=enrolment,
        criteria=history.criteria,
        agreement=quality.agreement(exercise, history.criteria),
        mine=mine,
        sees_all=sees_all or exercise.closed_at is not None,
        may_close=manages and exercise.closed_at is None,
        people=people,
        judge_form=StandardisationJudgeForm(),
        close_form=CloseStandardisationForm(),
    )


@blueprint.route("/standardisation/<int:exercise_id>/judge", methods=["POST"])
@login_required
def standardisation_judge(exercise_id: int):
    exercise = _exercise(exercise_id, "standardisation.judge")
    form = StandardisationJudgeForm()
    if form.validate_on_submit():
        submission = db.session.get(Submission, exercise.submission_id)
        criteria = queries.decision_history(db.session, submission).criteria
        try:
            quality.record_standardisation_judgement(
                db.session,
                exercise,
                current_user,
                outcome=form.outcome.data,
                verdicts={c.id: request.form.get(f"met-{c.id}") == "yes" for c in criteria},
                comments=form.comments.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Your independent judgement has been recorded.", "success")
    else:
        flash("Please choose an outcome.", "error")
    return redirect(url_for("assessment.standardisation", exercise_id=exercise.id))


@blueprint.route("/standardisation/<int:exercise_id>/close", methods=["POST"])
@login_required
def close_standardisation(exercise_id: int):
    exercise = _exercise(exercise_id, "standardisation.view")
    authorize(current_user, "iqa.manage", db.session.get(Organisation, exercise.organisation_id))
    form = CloseStandardisationForm()
    if form.validate_on_submit():
        try:
            quality.close_standardisation(
                db.session,
                exercise,
                current_user,
                outcome=form.outcome.data,
                actions=form.actions.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("The outcome and actions have been recorded.", "success")
    else:
        flash("Please record what the comparison showed.", "error")
    return redirect(url_for("assessment.standardisation", exercise_id=exercise.id))


# --- external quality assurance -----------------------------------------------------------------


@blueprint.route("/organisations/<slug>/eqa", methods=["GET", "POST"])
@login_required
def eqa_access(slug: str):
    organisation = _organisation(slug, "eqa.grant")
    form = EqaAccessForm()
    learners = list(
        db.session.execute(
            select(Enrolment, User)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.organisation_id == organisation.id)
            .order_by(User.display_name)
        )
    )
    form.enrolments.choices = choices(
        (e.id, f"{u.display_name} (enrolment {e.id})") for e, u in learners
    )
    if form.validate_on_submit():
        try:
            quality.grant_eqa_access(
                db.session,
                organisation,
                current_user,
                email=form.email.data,
                enrolment_ids=form.enrolments.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            flash("Access has been given for those dates.", "success")
            return redirect(url_for("assessment.eqa_access", slug=slug))
    from lms.assessment.models import EqaAccess

    accesses = list(
        db.session.execute(
            select(EqaAccess, User)
            .join(User, User.id == EqaAccess.user_id)
            .where(EqaAccess.organisation_id == organisation.id)
            .order_by(EqaAccess.ends_on.desc())
        )
    )
    return render_template(
        "assessment/eqa_access.html", organisation=organisation, form=form, accesses=accesses
    ), (400 if request.method == "POST" else 200)


@blueprint.route("/eqa/")
@login_required
def eqa_home():
    authorize(current_user, "eqa.home")
    learners = quality.eqa_learners(db.session, current_user)
    enrolment_ids = [e.id for _, e, _ in learners]
    exercises = list(
        db.session.scalars(
            select(StandardisationExercise)
            .join(Submission, Submission.id == StandardisationExercise.submission_id)
            .where(Submission.enrolment_id.in_(enrolment_ids))
            .order_by(StandardisationExercise.created_at.desc())
        )
    )
    return render_template("assessment/eqa_home.html", learners=learners, exercises=exercises)
