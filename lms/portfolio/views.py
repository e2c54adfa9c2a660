"""The trainee's portfolio: evidence, files, submitting a unit; and what staff may read of it."""

from __future__ import annotations

from contextlib import suppress

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from lms.accounts.models import User
from lms.assessment import queries as assessment_queries
from lms.assessment import standing
from lms.curriculum.models import Course
from lms.errors import DomainError, NotFound
from lms.extensions import db
from lms.i18n import _
from lms.permissions import authorize, can
from lms.portfolio import antivirus, operations, queries, versions, witnesses
from lms.portfolio.filetypes import FileRefused
from lms.portfolio.forms import (
    ButtonForm,
    EvidenceForm,
    FileForm,
    RecordedEvidenceForm,
    SubmitForm,
    choices,
)
from lms.portfolio.models import ASSESSOR_RECORDED_TYPES
from lms.portfolio.operations import DECLARATION
from lms.portfolio.storage import current_storage
from lms.portfolio.uploads import too_large
from lms.web import flashed_errors, form_errors, form_status, keep_changes

blueprint = Blueprint("portfolio", __name__, url_prefix="/portfolio")


def _limits() -> dict:
    config = current_app.config
    return {
        "max_bytes": config["UPLOAD_MAX_BYTES"],
        "scanner": antivirus.scanner_for(config),
        "quota_bytes": config["EVIDENCE_QUOTA_BYTES"],
    }


def _with_size_limit(form):
    """The file field knows the largest file, so the browser can stop a larger one before
    it is sent (and what she typed is not lost to a request cut short)."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    form.file.render_kw = {
        **(form.file.render_kw or {}),
        "data-max-bytes": str(limit),
        "data-too-large": too_large(limit),
    }
    return form


def _audit_refusal(outcome, enrolment, evidence=None) -> None:
    """A file refused as hostile, or that could not be scanned, stays in the audit trail
    although everything else the request did is undone."""
    error = outcome.error
    if isinstance(error, FileRefused) and error.reason:
        operations.record_refused_upload(db.session, enrolment, error, evidence)
        keep_changes()


def _has_file(form) -> bool:
    upload = form.file.data
    return bool(upload and getattr(upload, "filename", ""))


@blueprint.route("/")
@login_required
def index():
    enrolments = queries.my_enrolments(db.session, current_user)
    if len(enrolments) == 1:
        return redirect(url_for("portfolio.overview", enrolment_id=enrolments[0][0].id))
    return render_template("portfolio/index.html", enrolments=enrolments)


@blueprint.route("/<int:enrolment_id>")
@login_required
def overview(enrolment_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    return render_template(
        "portfolio/overview.html",
        enrolment=enrolment,
        course=db.session.get(Course, enrolment.course_id),
        trainee=db.session.get(User, enrolment.user_id),
        units=standing.portfolio_progress(db.session, enrolment),
    )


@blueprint.route("/<int:enrolment_id>/units/<int:unit_id>")
@login_required
def unit(enrolment_id: int, unit_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    unit = queries.unit_in(db.session, enrolment, unit_id)
    return render_template(
        "portfolio/unit.html",
        enrolment=enrolment,
        trainee=db.session.get(User, enrolment.user_id),
        progress=standing.portfolio_progress(db.session, enrolment, [unit.id])[0],
        evidence=operations.evidence_for_unit(db.session, enrolment, unit),
        submissions=queries.submissions_for_unit(db.session, enrolment, unit),
        remap=versions.remap_needed(db.session, enrolment, unit),
        form=SubmitForm(),
        declaration=DECLARATION,
    )


def _evidence_page(form, enrolment, **kwargs):
    """The evidence form, its criteria grouped by unit: the unit she came from (`?unit=`) and
    units holding a chosen criterion open, achieved units folded away."""
    return render_template(
        "portfolio/evidence_form.html",
        form=form,
        enrolment=enrolment,
        units=standing.portfolio_progress(db.session, enrolment),
        current_unit=request.args.get("unit", type=int),
        chosen=set(form.criteria.data or ()),
        **kwargs,
    ), form_status(form)


def _evidence_form(form_class, enrolment, **kwargs):
    form = _with_size_limit(form_class(**kwargs))
    form.criteria.choices = choices(queries.criteria_choices(db.session, enrolment))
    return form


def _save_new_evidence(form, enrolment, *, recorded_by=None):
    evidence = operations.create_evidence(
        db.session,
        enrolment,
        title=form.title.data,
        evidence_type=form.evidence_type.data,
        description=form.description.data,
        criterion_ids=form.criteria.data,
        recorded_by=recorded_by,
    )
    if _has_file(form):
        operations.attach_file(
            db.session,
            current_storage(),
            evidence,
            current_user,
            form.file.data.stream,
            form.file.data.filename,
            **_limits(),
        )
    return evidence


@blueprint.route("/<int:enrolment_id>/evidence/new", methods=["GET", "POST"])
@login_required
def new_evidence(enrolment_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    authorize(current_user, "portfolio.contribute", enrolment)
    form = _evidence_form(EvidenceForm, enrolment)
    if request.method == "GET" and (unit_id := request.args.get("criterion", type=int)):
        form.criteria.data = [unit_id]
    if form.validate_on_submit():
        with form_errors(form, field="title") as outcome:
            evidence = _save_new_evidence(form, enrolment)
            flash(_("Your evidence has been saved as a draft."), "success")
            return redirect(
                url_for("portfolio.evidence", enrolment_id=enrolment.id, evidence_id=evidence.id)
            )
        _audit_refusal(outcome, enrolment)
    return _evidence_page(form, enrolment, recording=False)


@blueprint.route("/<int:enrolment_id>/record", methods=["GET", "POST"])
@login_required
def record_evidence(enrolment_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    authorize(current_user, "portfolio.record", enrolment)
    form = _evidence_form(RecordedEvidenceForm, enrolment)
    # Opened from the queue, a submission or the record: the kind and the unit chosen there.
    unit = None
    if unit_id := request.args.get("unit", type=int):
        with suppress(NotFound):
            unit = queries.unit_in(db.session, enrolment, unit_id)
    if request.method == "GET":
        _preselect_record(form, request.args.get("type"), unit)
    if form.validate_on_submit():
        with form_errors(form, field="title") as outcome:
            evidence = _save_new_evidence(form, enrolment, recorded_by=current_user)
            flash(_("The record has been added to the trainee's portfolio."), "success")
            return redirect(
                url_for("portfolio.evidence", enrolment_id=enrolment.id, evidence_id=evidence.id)
            )
        _audit_refusal(outcome, enrolment)
    return _evidence_page(form, enrolment, recording=True, unit=unit)


def _preselect_record(form, kind: str | None, unit) -> None:
    """The kind of record asked for, and a title naming the unit: both shown, both editable.
    No criterion is ticked for the assessor: she ticks what she saw."""
    chosen = next((t for t in ASSESSOR_RECORDED_TYPES if t.value == kind), None)
    if chosen is not None:
        form.evidence_type.data = chosen.value
    if unit is not None:
        form.title.data = _(
            "%(kind)s, %(unit)s", kind=(chosen or ASSESSOR_RECORDED_TYPES[0]).label, unit=unit.code
        )


@blueprint.route("/<int:enrolment_id>/evidence/<int:evidence_id>")
@login_required
def evidence(enrolment_id: int, evidence_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    item = queries.evidence_in(db.session, enrolment, evidence_id)
    operations.note_seen(
        db.session,
        current_user,
        "evidence.viewed",
        item,
        trainee_id=item.owner_id,
        organisation_id=item.organisation_id,
    )
    return render_template(
        "portfolio/evidence.html",
        enrolment=enrolment,
        evidence=item,
        recorded_by=db.session.get(User, item.recorded_by_id) if item.recorded_by_id else None,
        witness=witnesses.latest_statements(db.session, [item.id]).get(item.id),
        file_form=_with_size_limit(FileForm()),
        button_form=ButtonForm(),
    )


@blueprint.route("/<int:enrolment_id>/evidence/<int:evidence_id>/edit", methods=["GET", "POST"])
@login_required
def edit_evidence(enrolment_id: int, evidence_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    item = queries.evidence_in(db.session, enrolment, evidence_id)
    authorize(current_user, "portfolio.edit_evidence", item)
    form = _evidence_form(EvidenceForm, enrolment, obj=item)
    if request.method == "GET":
        form.criteria.data = [c.id for c in item.criteria]
    if form.validate_on_submit():
        with form_errors(form, field="title"):
            operations.update_evidence(
                db.session,
                item,
                enrolment,
                title=form.title.data,
                evidence_type=form.evidence_type.data,
                description=form.description.data,
                criterion_ids=form.criteria.data,
            )
            flash(_("Your changes have been saved."), "success")
            return redirect(
                url_for("portfolio.evidence", enrolment_id=enrolment.id, evidence_id=item.id)
            )
    del form.file
    return _evidence_page(form, enrolment, evidence=item)


@blueprint.route("/<int:enrolment_id>/evidence/<int:evidence_id>/files", methods=["POST"])
@login_required
def add_file(enrolment_id: int, evidence_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    item = queries.evidence_in(db.session, enrolment, evidence_id)
    authorize(current_user, "portfolio.edit_evidence", item)
    form = _with_size_limit(FileForm())
    if form.validate_on_submit() and _has_file(form):
        with form_errors(form, field="file") as outcome:
            attached = operations.attach_file(
                db.session,
                current_storage(),
                item,
                current_user,
                form.file.data.stream,
                form.file.data.filename,
                **_limits(),
            )
            flash(_("“%(filename)s” has been added.", filename=attached.filename), "success")
            return redirect(
                url_for("portfolio.evidence", enrolment_id=enrolment.id, evidence_id=item.id)
            )
        _audit_refusal(outcome, enrolment, item)
    elif not form.errors:
        form.file.errors.append(_("Please choose a file to add."))
    return render_template(
        "portfolio/evidence.html",
        enrolment=enrolment,
        # Loaded again: a refused file rolled back, which let go of its files and criteria.
        evidence=queries.evidence_in(db.session, enrolment, evidence_id),
        recorded_by=None,
        file_form=form,
        button_form=ButtonForm(),
    ), 400


@blueprint.route(
    "/<int:enrolment_id>/evidence/<int:evidence_id>/files/<int:file_id>/remove", methods=["POST"]
)
@login_required
def remove_file(enrolment_id: int, evidence_id: int, file_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    item = queries.evidence_in(db.session, enrolment, evidence_id)
    authorize(current_user, "portfolio.edit_evidence", item)
    attached = next((f for f in item.files if f.id == file_id), None)
    if attached is None:
        raise NotFound()
    if ButtonForm().validate_on_submit():
        with flashed_errors():
            operations.remove_file(db.session, item, attached)
            flash(
                _("“%(filename)s” has been taken off this evidence.", filename=attached.filename),
                "success",
            )
    return redirect(url_for("portfolio.evidence", enrolment_id=enrolment.id, evidence_id=item.id))


@blueprint.route("/<int:enrolment_id>/files/<int:file_id>")
@login_required
def download(enrolment_id: int, file_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    attached = queries.file_in(db.session, enrolment, file_id)
    # The audit record is committed with the request, before the file itself is sent.
    handle = operations.open_for_download(db.session, current_storage(), attached, enrolment)
    response = send_file(
        handle,
        mimetype=attached.media_type,
        as_attachment=True,
        download_name=operations.download_name(attached),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/<int:enrolment_id>/units/<int:unit_id>/submit", methods=["POST"])
@login_required
def submit(enrolment_id: int, unit_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    authorize(current_user, "portfolio.contribute", enrolment)
    unit = queries.unit_in(db.session, enrolment, unit_id)
    form = SubmitForm()
    if not form.validate_on_submit():
        raise DomainError(_("This form had expired. Please try again."))
    if form.declaration.data and form.anyway.data != "yes":
        progress = standing.portfolio_progress(db.session, enrolment, [unit.id])[0]
        missing = [row.criterion for row in progress.criteria if not row.evidence_ids]
        if missing and progress.can_submit:
            # Nothing is submitted yet: she is told first, and chooses.
            return render_template(
                "portfolio/submit_check.html",
                enrolment=enrolment,
                unit=unit,
                missing=missing,
                form=form,
                declaration=DECLARATION,
            )
    with flashed_errors():
        submission = operations.submit_unit(
            db.session,
            enrolment,
            unit,
            declaration_confirmed=bool(form.declaration.data),
            changes_note=form.changes.data or "",
        )
        flash(_("Your work has been submitted. Your assessor will look at it soon."), "success")
        return redirect(
            url_for("portfolio.submission", enrolment_id=enrolment.id, submission_id=submission.id)
        )
    return redirect(url_for("portfolio.unit", enrolment_id=enrolment_id, unit_id=unit_id))


@blueprint.route("/<int:enrolment_id>/submissions/<int:submission_id>")
@login_required
def submission(enrolment_id: int, submission_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    found = queries.submission_in(db.session, enrolment, submission_id)
    operations.note_seen(
        db.session,
        current_user,
        "submission.viewed",
        found,
        trainee_id=found.trainee_id,
        organisation_id=found.organisation_id,
    )
    history = assessment_queries.decision_history(db.session, found)
    return render_template(
        "portfolio/submission.html",
        enrolment=enrolment,
        submission=found,
        history=history,
        show_quality_assurance=current_user.id != enrolment.user_id,
        can_judge=can(current_user, "assessment.judge", found),
    )
