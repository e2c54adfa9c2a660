"""Assessors' queue and judging; IQA sampling, review, plan, reports, standardisation; EQA."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import Organisation, User
from lms.assessment import operations, quality, queries
from lms.assessment.briefing import briefing
from lms.assessment.forms import (
    CloseStandardisationForm,
    EqaAccessForm,
    EqaInviteForm,
    JudgeForm,
    PlanForm,
    ReviewForm,
    StandardisationForm,
    StandardisationJudgeForm,
)
from lms.assessment.models import (
    Decision,
    EqaGrant,
    IqaSample,
    StandardisationExercise,
)
from lms.assessment.operations import Verdict
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.errors import Conflict, NotFound
from lms.extensions import db
from lms.i18n import _, format_date
from lms.permissions import authorize, can
from lms.portfolio.forms import ButtonForm, choices
from lms.portfolio.models import Submission
from lms.portfolio.operations import note_seen
from lms.portfolio.queries import enrolment_for, submission_in
from lms.web import flashed_errors, form_errors, form_status, load_or_404, organisation_or_404

blueprint = Blueprint("assessment", __name__)


@blueprint.route("/assessment/queue")
@login_required
def queue():
    authorize(current_user, "assessment.queue")
    cohort_id = request.args.get("cohort", type=int)
    unit_id = request.args.get("unit", type=int)
    queue = queries.queue_page(
        db.session,
        current_user,
        cohort_id=cohort_id,
        unit_id=unit_id,
        after=queries.parse_queue_cursor(request.args.get("after")),
    )
    return render_template(
        "assessment/queue.html",
        queue=queue,
        cohort_id=cohort_id,
        unit_id=unit_id,
        first_page=not request.args.get("after"),
    )


def _note_seen(action: str, obj, submission: Submission) -> None:
    """Her work was opened by someone else: she can see it on her own page."""
    note_seen(
        db.session,
        current_user,
        action,
        obj,
        trainee_id=submission.trainee_id,
        organisation_id=submission.organisation_id,
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


# What the judging page reads of a submission besides its own row, loaded with it: the
# rules and the page then find them in the session rather than ask again.
WITH_ENROLMENT_UNIT_AND_TRAINEE = (
    joinedload(Submission.enrolment),
    joinedload(Submission.unit),
    joinedload(Submission.trainee),
)


def _judge_page(submission, form, review_form, status=200, error=None):
    items = queries.submitted_evidence(db.session, submission)
    history = queries.decision_history(db.session, submission, items=items)
    return render_template(
        "assessment/judge.html",
        submission=submission,
        briefing=briefing(db.session, submission, history.unit, history.criteria),
        enrolment=enrolment_for(db.session, current_user, submission.enrolment_id),
        trainee=db.session.get(User, submission.trainee_id),
        history=history,
        form=form,
        review_form=review_form,
        may_countersign=queries.may_countersign(db.session, current_user, submission, history),
        posted=request.form if request.method == "POST" else {},
        error=error,
    ), status


@blueprint.route("/assessment/submissions/<int:submission_id>", methods=["GET", "POST"])
@login_required
def judge(submission_id: int):
    submission = load_or_404(
        Submission, submission_id, "assessment.judge", options=WITH_ENROLMENT_UNIT_AND_TRAINEE
    )
    form = JudgeForm()
    if request.method == "GET":
        form.state_version.data = submission.state_version
        _note_seen("assessment.opened", submission, submission)
    if form.validate_on_submit():
        history = queries.decision_history(db.session, submission)
        # Errors about the criteria (judged above the overall feedback) are shown beside it.
        with form_errors(form, field="feedback") as outcome:
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
            flash(_("Your decision has been recorded and signed."), "success")
            return redirect(url_for("assessment.queue"))
        if isinstance(outcome.error, Conflict):
            # Someone else acted first: show the page as it now is, with a fresh form.
            return _judge_page(
                submission, JudgeForm(formdata=None), ReviewForm(), 409, outcome.error.message
            )
    return _judge_page(
        submission, form, ReviewForm(state_version=submission.state_version), form_status(form)
    )


@blueprint.route("/assessment/decisions/<int:decision_id>/countersign", methods=["POST"])
@login_required
def countersign(decision_id: int):
    decision = load_or_404(Decision, decision_id)
    submission = load_or_404(
        Submission,
        decision.submission_id,
        "assessment.judge",
        options=WITH_ENROLMENT_UNIT_AND_TRAINEE,
    )
    form = ReviewForm()
    if not form.validate_on_submit():
        return _judge_page(submission, JudgeForm(), form, 400)
    # The countersigning form may no longer be on the page (someone else acted first), so
    # a refusal is said at the top of the page rather than beside a field.
    with flashed_errors() as outcome:
        operations.countersign_as_assessor(
            db.session,
            decision,
            current_user,
            expected_version=int(form.state_version.data or 0),
            agrees=form.agrees.data == "yes",
            comments=form.comments.data or "",
        )
        flash(_("Thank you: your countersignature has been recorded."), "success")
        return redirect(url_for("assessment.queue"))
    if isinstance(outcome.error, Conflict):
        return _judge_page(submission, JudgeForm(formdata=None), form, 409)
    return _judge_page(submission, JudgeForm(), form, 400)


# --- internal quality assurance -----------------------------------------------------------------


@blueprint.route("/iqa/")
@login_required
def iqa_home():
    authorize(current_user, "iqa.access")
    organisations = queries.iqa_organisations(db.session, current_user)
    ids = [o.id for o in organisations]
    return render_template(
        "assessment/iqa_home.html",
        samples=queries.iqa_samples(db.session, current_user),
        organisations=organisations,
        recent=queries.unsampled_decisions(db.session, ids),
        exercises=queries.standardisation_exercises(db.session, ids),
        button_form=ButtonForm(),
    )


@blueprint.route("/iqa/samples/<int:sample_id>", methods=["GET", "POST"])
@login_required
def review(sample_id: int):
    sample = load_or_404(IqaSample, sample_id)
    decision = load_or_404(Decision, sample.decision_id, "iqa.review")
    form = ReviewForm()
    error = None
    if form.validate_on_submit():
        with form_errors(form, field="comments") as outcome:
            operations.review_sample(
                db.session,
                sample,
                current_user,
                agrees=form.agrees.data == "yes",
                comments=form.comments.data or "",
            )
            flash(_("Your review has been recorded."), "success")
            return redirect(url_for("assessment.iqa_home"))
        if isinstance(outcome.error, Conflict):
            error = outcome.error.message  # the review form is gone: say so at the top
    submission = db.session.get(Submission, decision.submission_id)
    enrolment = db.session.get(Enrolment, submission.enrolment_id)
    if request.method == "GET":
        _note_seen("iqa.opened", sample, submission)
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
    ), 409 if error else form_status(form)


@blueprint.route("/iqa/decisions/<int:decision_id>/pick", methods=["POST"])
@login_required
def pick_sample(decision_id: int):
    decision = load_or_404(Decision, decision_id, "iqa.review")
    if ButtonForm().validate_on_submit():
        with flashed_errors():
            operations.pick_for_sampling(db.session, decision, current_user)
            flash(_("The decision has been added to your sample."), "success")
    return redirect(url_for("assessment.iqa_home"))


@blueprint.route("/iqa/<slug>/plan", methods=["GET", "POST"])
@login_required
def sampling_plan(slug: str):
    organisation = organisation_or_404(slug, "iqa.manage")
    form = PlanForm(obj=operations.sampling_plan(db.session, organisation.id))
    if form.validate_on_submit():
        with form_errors(form, field="percentage"):
            operations.save_sampling_plan(
                db.session,
                organisation.id,
                current_user,
                percentage=form.percentage.data,
                first_decisions=form.first_decisions.data,
            )
            flash(_("The sampling plan has been saved."), "success")
            return redirect(url_for("assessment.sampling_plan", slug=slug))
    return render_template(
        "assessment/plan.html", organisation=organisation, form=form
    ), form_status(form)


@blueprint.route("/iqa/<slug>/report")
@login_required
def report(slug: str):
    organisation = organisation_or_404(slug, "iqa.manage")
    ids = queries.organisation_and_partners_ids(db.session, organisation)
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
    organisation = organisation_or_404(slug, "iqa.manage")
    assessor = queries.assessor_in(db.session, organisation.id, user_id)
    if assessor is None:
        raise NotFound()
    if ButtonForm().validate_on_submit():
        trainee = request.form.get("trainee") == "1"
        operations.set_trainee_assessor(db.session, assessor, organisation.id, trainee=trainee)
        flash(
            _("%(name)s's sign-offs now need a countersignature.", name=assessor.display_name)
            if trainee
            else _("%(name)s is recorded as a qualified assessor.", name=assessor.display_name),
            "success",
        )
    return redirect(url_for("assessment.report", slug=slug))


# --- standardisation ----------------------------------------------------------------------------

WITH_PARTICIPANTS = (selectinload(StandardisationExercise.participants),)


@blueprint.route("/iqa/<slug>/standardisation/new", methods=["GET", "POST"])
@login_required
def new_standardisation(slug: str):
    organisation = organisation_or_404(slug, "iqa.manage")
    form = StandardisationForm()
    form.submission_id.choices = choices(
        (
            s.id,
            _(
                "%(unit)s, submission %(number)s of %(date)s",
                unit=u.code,
                number=s.id,
                date=format_date(s.submitted_at),
            ),
        )
        for s, u in queries.recent_submissions(db.session, organisation.id)
    )
    form.assessors.choices = choices(
        (u.id, u.display_name) for u in queries.assessors_of(db.session, organisation.id)
    )
    if form.validate_on_submit():
        with form_errors(form, field="title"):
            exercise = quality.start_standardisation(
                db.session,
                organisation,
                current_user,
                title=form.title.data,
                submission=db.session.get(Submission, form.submission_id.data),
                assessor_ids=form.assessors.data,
            )
            flash(_("The standardisation exercise has been set."), "success")
            return redirect(url_for("assessment.standardisation", exercise_id=exercise.id))
    return render_template(
        "assessment/standardisation_new.html", organisation=organisation, form=form
    ), form_status(form)


@blueprint.route("/standardisation/<int:exercise_id>")
@login_required
def standardisation(exercise_id: int):
    exercise = load_or_404(
        StandardisationExercise, exercise_id, "standardisation.view", options=WITH_PARTICIPANTS
    )
    submission = db.session.get(Submission, exercise.submission_id)
    _note_seen("standardisation.opened", exercise, submission)
    history = queries.decision_history(db.session, submission)
    enrolment = db.session.get(Enrolment, submission.enrolment_id)
    mine = next((p for p in exercise.participants if p.assessor_id == current_user.id), None)
    manages = can(
        current_user, "iqa.manage", db.session.get(Organisation, exercise.organisation_id)
    )
    return render_template(
        "assessment/standardisation.html",
        exercise=exercise,
        submission=submission_in(db.session, enrolment, submission.id),
        enrolment=enrolment,
        criteria=history.criteria,
        agreement=quality.agreement(exercise, history.criteria),
        mine=mine,
        sees_all=can(current_user, "standardisation.see_judgements", exercise),
        may_close=manages and exercise.closed_at is None,
        people=queries.people(db.session, (p.assessor_id for p in exercise.participants)),
        judge_form=StandardisationJudgeForm(),
        close_form=CloseStandardisationForm(),
    )


@blueprint.route("/standardisation/<int:exercise_id>/judge", methods=["POST"])
@login_required
def standardisation_judge(exercise_id: int):
    exercise = load_or_404(
        StandardisationExercise, exercise_id, "standardisation.view", options=WITH_PARTICIPANTS
    )
    authorize(current_user, "standardisation.judge", exercise)
    form = StandardisationJudgeForm()
    if form.validate_on_submit():
        submission = db.session.get(Submission, exercise.submission_id)
        criteria = queries.decision_history(db.session, submission).criteria
        with flashed_errors():
            quality.record_standardisation_judgement(
                db.session,
                exercise,
                current_user,
                outcome=form.outcome.data,
                verdicts={c.id: request.form.get(f"met-{c.id}") == "yes" for c in criteria},
                comments=form.comments.data or "",
            )
            flash(_("Your independent judgement has been recorded."), "success")
    else:
        flash(_("Please choose an outcome."), "error")
    return redirect(url_for("assessment.standardisation", exercise_id=exercise_id))


@blueprint.route("/standardisation/<int:exercise_id>/close", methods=["POST"])
@login_required
def close_standardisation(exercise_id: int):
    exercise = load_or_404(
        StandardisationExercise, exercise_id, "standardisation.view", options=WITH_PARTICIPANTS
    )
    authorize(current_user, "iqa.manage", db.session.get(Organisation, exercise.organisation_id))
    form = CloseStandardisationForm()
    if form.validate_on_submit():
        with flashed_errors():
            quality.close_standardisation(
                db.session,
                exercise,
                current_user,
                outcome=form.outcome.data,
                actions=form.actions.data or "",
            )
            flash(_("The outcome and actions have been recorded."), "success")
    else:
        flash(_("Please record what the comparison showed."), "error")
    return redirect(url_for("assessment.standardisation", exercise_id=exercise_id))


# --- external quality assurance -----------------------------------------------------------------


def _eqa_access_form(organisation: Organisation, **kwargs) -> EqaAccessForm:
    form = EqaAccessForm(**kwargs)
    form.enrolments.choices = choices(
        (e.id, _("%(name)s (enrolment %(number)s)", name=u.display_name, number=e.id))
        for e, u in queries.learners_of(db.session, organisation.id)
    )
    return form


def _eqa_page(organisation: Organisation, form, invite_form, status: int):
    return render_template(
        "assessment/eqa_access.html",
        organisation=organisation,
        form=form,
        invite_form=invite_form if can(current_user, "eqa.invite", organisation) else None,
        grants=queries.eqa_grants(db.session, organisation.id),
        today=utcnow().date(),
    ), status


@blueprint.route("/organisations/<slug>/eqa", methods=["GET", "POST"])
@login_required
def eqa_access(slug: str):
    organisation = organisation_or_404(slug, "eqa.grant")
    form = _eqa_access_form(organisation)
    if form.validate_on_submit():
        with form_errors(form, field="email"):
            quality.grant_eqa_access(
                db.session,
                organisation,
                current_user,
                email=form.email.data,
                enrolment_ids=form.enrolments.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
            flash(
                _(
                    "Access has been given for those dates. We have e-mailed the quality assurer "
                    "to let them know."
                ),
                "success",
            )
            return redirect(url_for("assessment.eqa_access", slug=slug))
    return _eqa_page(organisation, form, EqaInviteForm(formdata=None), form_status(form))


@blueprint.route("/organisations/<slug>/eqa/invite", methods=["POST"])
@login_required
def invite_eqa(slug: str):
    organisation = organisation_or_404(slug, "eqa.invite")
    form = EqaInviteForm()
    if form.validate_on_submit():
        email = form.email.data.strip()
        with form_errors(form, field="email"):
            quality.invite_eqa(
                db.session, organisation, email=email, display_name=form.display_name.data
            )
            # The same words whether the address was new, someone's here, or anyone else's.
            flash(
                _(
                    "Thank you. If %(email)s is new to Alongside, we have e-mailed them a link "
                    "to set a password. Once they have an account here as an external quality "
                    "assurer, you can give them access to learners below.",
                    email=email,
                ),
                "success",
            )
            return redirect(url_for("assessment.eqa_access", slug=slug))
    return _eqa_page(
        organisation, _eqa_access_form(organisation, formdata=None), form, form_status(form)
    )


@blueprint.route("/organisations/<slug>/eqa/grants/<int:grant_id>/end", methods=["GET", "POST"])
@login_required
def end_eqa_grant(slug: str, grant_id: int):
    """Say what ending the grant will do; end it when that is confirmed."""
    organisation = organisation_or_404(slug, "eqa.grant")
    grant = load_or_404(EqaGrant, grant_id, "eqa.end", organisation_id=organisation.id)
    row = queries.eqa_grant(db.session, grant)
    form = ButtonForm()
    if form.validate_on_submit():
        with flashed_errors():
            quality.end_eqa_grant(db.session, grant, current_user)
            flash(
                _(
                    "%(name)s can no longer read these learners' work. We have let them know.",
                    name=row.eqa.display_name,
                ),
                "success",
            )
        return redirect(url_for("assessment.eqa_access", slug=slug))
    return render_template(
        "assessment/eqa_end.html",
        organisation=organisation,
        row=row,
        is_open=grant.is_open(utcnow().date()),
        form=form,
    )


@blueprint.route("/eqa/")
@login_required
def eqa_home():
    authorize(current_user, "eqa.home")
    learners = quality.eqa_learners(db.session, current_user)
    return render_template(
        "assessment/eqa_home.html",
        learners=learners,
        exercises=queries.exercises_for_enrolments(
            db.session, [learner.enrolment.id for learner in learners]
        ),
    )
