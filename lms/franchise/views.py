"""Franchise pages: the franchisor's overview and licences, a partner's cohorts, enrolment,
CSV import, cohort progress and its exports."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.forms import EmptyForm
from lms.accounts.invitations import send_invitation
from lms.accounts.models import Organisation
from lms.accounts.operations import find_user_by_email
from lms.accounts.queries import organisation_by_slug
from lms.accounts.roles import Role
from lms.audit.operations import record
from lms.curriculum.models import Cohort, CohortRole, CohortStatus, Course, CourseKind
from lms.db import utcnow
from lms.errors import DomainError, NotFound, PermissionDenied
from lms.extensions import db
from lms.franchise import cohorts as cohort_ops
from lms.franchise import enrolment, invitations, licences, overview, progress, queries
from lms.franchise.csv_import import COLUMN_ALIASES, ImportRejected
from lms.franchise.forms import (
    CohortForm,
    EnrolForm,
    ImportForm,
    JoinForm,
    LicenceForm,
    MoveForm,
    StaffForm,
    WithdrawForm,
    options,
)
from lms.franchise.models import LicenceStatus
from lms.permissions import authorize, can
from lms.reporting.spreadsheet import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream, write_xlsx
from lms.web import flashed_errors, form_errors

blueprint = Blueprint("franchise", __name__)

IMPORT_MAX_BYTES = 2 * 1024 * 1024


def _today():
    return utcnow().date()


def _form_error(form, error: DomainError, default: str) -> None:
    field = error.field if error.field and error.field in form else default
    form[field].errors = [*form[field].errors, error.message]


# --- the franchisor ---------------------------------------------------------------------------


@blueprint.route("/admin/franchise")
@login_required
def overview_page():
    authorize(current_user, "franchise.overview")
    return render_template(
        "franchise/overview.html",
        overview=overview.franchise_overview(db.session, current_user, _today()),
    )


@blueprint.route("/organisations/<slug>/training")
@login_required
def partner(slug: str):
    organisation = organisation_by_slug(db.session, slug)
    authorize(current_user, "partner.report", organisation)
    report = overview.partner_overview(db.session, organisation, _today())
    summary = report.partners[0]
    return render_template(
        "franchise/partner.html",
        organisation=organisation,
        report=report,
        summary=summary,
        cohorts=overview.partner_cohorts(db.session, organisation),
        charts=overview.partner_charts(db.session, summary),
    )


def _licence_page(organisation, form, *, licence=None, course=None, candidates=(), status=200):
    return render_template(
        "franchise/licence_form.html",
        organisation=organisation,
        form=form,
        licence=licence,
        course=course,
        candidates=candidates,
    ), status


@blueprint.route("/organisations/<slug>/licences/new", methods=["GET", "POST"])
@login_required
def new_licence(slug: str):
    organisation = organisation_by_slug(db.session, slug)
    authorize(current_user, "licence.manage", organisation)
    held = {
        u.licence.course_id for u in licences.usages_for(db.session, [organisation.id], _today())
    }
    candidates = [
        c
        for c in db.session.scalars(
            select(Course).where(Course.kind == CourseKind.QUALIFICATION).order_by(Course.title)
        )
        if c.id not in held
    ]
    if not candidates:
        flash(f"{organisation.name} already holds a licence for every qualification.", "info")
        return redirect(url_for("franchise.partner", slug=slug))
    chosen = request.values.get("course", type=int)
    course = next((c for c in candidates if c.id == chosen), candidates[0])
    form = LicenceForm()
    form.course.choices = options([(course.id, course.title)])
    form.units.choices = options(licences.course_unit_codes(db.session, course))
    del form.status
    if request.method == "GET":
        form.course.data = course.id
        form.units.data = [choice.value for choice in form.units.choices]
    elif form.validate_on_submit():
        try:
            licences.issue_licence(
                db.session,
                organisation,
                course,
                seats=form.seats.data,
                starts_on=form.starts_on.data,
                expires_on=form.expires_on.data,
                units=form.units.data,
                notes=form.notes.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error, "seats")
        else:
            db.session.commit()
            flash(f"{organisation.name} is now licensed to deliver {course.title}.", "success")
            return redirect(url_for("franchise.partner", slug=slug))
    status = 400 if request.method == "POST" else 200
    return _licence_page(organisation, form, course=course, candidates=candidates, status=status)


@blueprint.route("/organisations/<slug>/licences/<int:licence_id>", methods=["GET", "POST"])
@login_required
def edit_licence(slug: str, licence_id: int):
    organisation = organisation_by_slug(db.session, slug)
    authorize(current_user, "licence.manage", organisation)
    licence = licences.licence_of_partner(db.session, organisation, licence_id)
    form = LicenceForm(obj=licence if request.method == "GET" else None)
    del form.course
    form.units.choices = options(licences.course_unit_codes(db.session, licence.course))
    if request.method == "GET":
        form.units.data = sorted(licence.unit_codes)
        form.status.data = licence.status.value
    elif form.validate_on_submit():
        try:
            licences.change_licence(
                db.session,
                licence,
                seats=form.seats.data,
                starts_on=form.starts_on.data,
                expires_on=form.expires_on.data,
                units=form.units.data,
                status=LicenceStatus(form.status.data),
                notes=form.notes.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error, "seats")
        else:
            db.session.commit()
            flash(f"The licence for {licence.course.title} has been updated.", "success")
            return redirect(url_for("franchise.partner", slug=slug))
    status = 400 if request.method == "POST" else 200
    return _licence_page(organisation, form, licence=licence, course=licence.course, status=status)


# --- cohorts ----------------------------------------------------------------------------------


@blueprint.route("/organisations/<slug>/cohorts/new", methods=["GET", "POST"])
@login_required
def new_cohort(slug: str):
    organisation = organisation_by_slug(db.session, slug)
    authorize(current_user, "cohort.manage", organisation)
    courses = queries.courses_for_new_cohort(db.session, organisation, _today())
    form = CohortForm()
    form.course.choices = options((c.id, c.title) for c in courses)
    if form.validate_on_submit():
        course = next(c for c in courses if c.id == form.course.data)
        try:
            cohort = cohort_ops.open_cohort(
                db.session,
                organisation,
                course,
                form.name.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                today=_today(),
            )
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error, "name")
        else:
            db.session.commit()
            flash(f"The cohort {cohort.name} has been created.", "success")
            return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "franchise/cohort_form.html", organisation=organisation, form=form, cohort=None
    ), status


def _load_cohort(slug: str, cohort_id: int, action: str):
    organisation = organisation_by_slug(db.session, slug)
    cohort = queries.cohort_for_org(db.session, organisation, cohort_id)
    authorize(current_user, action, cohort if action == "cohort.view" else organisation)
    return organisation, cohort


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>")
@login_required
def cohort(slug: str, cohort_id: int):
    organisation, cohort = _load_cohort(slug, cohort_id, "cohort.view")
    manage = can(current_user, "cohort.manage", organisation)
    staff_form = None
    if manage and cohort.status == CohortStatus.OPEN:
        staff_form = _staff_form(cohort)
    usage = None
    if licences.needs_licence(organisation, cohort.course):
        usage = next(
            (
                u
                for u in licences.usages_for(db.session, [organisation.id], _today())
                if u.licence.course_id == cohort.course_id
            ),
            None,
        )
    return render_template(
        "franchise/cohort.html",
        organisation=organisation,
        cohort=cohort,
        usage=usage,
        enrolments=queries.cohort_enrolments(db.session, cohort),
        siblings=queries.sibling_cohorts(db.session, cohort),
        manage=manage,
        manage_enrolment=can(current_user, "enrolment.manage", organisation),
        invited=invitations.pending_in_cohort(db.session, cohort)
        if can(current_user, "enrolment.manage", organisation)
        else [],
        staff_form=staff_form,
        button_form=EmptyForm(),
        move_form=MoveForm(),
    )


def _staff_form(cohort) -> StaffForm:
    form = StaffForm()
    people = {}
    for role in (Role.ASSESSOR, Role.IQA):
        for person in queries.staff_candidates(db.session, cohort, role):
            people.setdefault(person.id, person.display_name)
    form.user.choices = options(sorted(people.items(), key=lambda pair: pair[1]))
    return form


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cohort(slug: str, cohort_id: int):
    organisation, cohort = _load_cohort(slug, cohort_id, "cohort.manage")
    form = CohortForm(obj=cohort if request.method == "GET" else None)
    del form.course
    if form.validate_on_submit():
        try:
            cohort_ops.edit_cohort(
                db.session,
                cohort,
                form.name.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error, "name")
        else:
            db.session.commit()
            flash("The cohort has been updated.", "success")
            return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "franchise/cohort_form.html", organisation=organisation, form=form, cohort=cohort
    ), status


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/close", methods=["POST"])
@login_required
def close_cohort(slug: str, cohort_id: int):
    _, cohort = _load_cohort(slug, cohort_id, "cohort.manage")
    cohort_ops.close_cohort(db.session, cohort)
    db.session.commit()
    flash(f"The cohort {cohort.name} is closed. Its trainees and records are kept.", "success")
    return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/staff", methods=["POST"])
@login_required
def assign_staff(slug: str, cohort_id: int):
    _, cohort = _load_cohort(slug, cohort_id, "cohort.manage")
    form = _staff_form(cohort)
    back = url_for("franchise.cohort", slug=slug, cohort_id=cohort.id)
    if not form.validate_on_submit():
        flash("Please choose a person and a role.", "error")
        return redirect(back)
    role = CohortRole(form.role.data)
    candidates = queries.staff_candidates(db.session, cohort, Role(role.value))
    person = next((p for p in candidates if p.id == form.user.data), None)
    try:
        if person is None:
            raise DomainError(
                f"That person is not {'an assessor' if role == CohortRole.ASSESSOR else 'an IQA'} "
                "here: give them the role on the members page first."
            )
        cohort_ops.assign_staff(db.session, cohort, person, role)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    flash(f"{person.display_name} is now assigned to {cohort.name}.", "success")
    return redirect(back)


@blueprint.route(
    "/organisations/<slug>/cohorts/<int:cohort_id>/staff/<int:user_id>/<role>/remove",
    methods=["POST"],
)
@login_required
def remove_staff(slug: str, cohort_id: int, user_id: int, role: str):
    _, cohort = _load_cohort(slug, cohort_id, "cohort.manage")
    try:
        role = CohortRole(role)
    except ValueError:
        raise NotFound() from None
    cohort_ops.remove_staff(db.session, cohort, user_id, role)
    db.session.commit()
    flash("The assignment has been removed.", "success")
    return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))


# --- enrolment --------------------------------------------------------------------------------


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/enrol", methods=["GET", "POST"])
@login_required
def enrol(slug: str, cohort_id: int):
    organisation, cohort = _load_cohort(slug, cohort_id, "enrolment.manage")
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            done = enrolment.enrol_person(
                db.session,
                cohort,
                form.email.data,
                form.display_name.data,
                date_of_birth=form.date_of_birth.data,
                today=_today(),
            )
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error, "email")
        else:
            db.session.commit()
            flash(_enrol_message(done, cohort), "success")
            return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "franchise/enrol.html", organisation=organisation, cohort=cohort, form=form
    ), status


def _enrol_message(done, cohort) -> str:
    """The same words for every address that is not one of the organisation's people, known
    elsewhere or not at all."""
    if isinstance(done, enrolment.Invited):
        return (
            f"We have sent an invitation to {done.invitation.email}. "
            f"She will join {cohort.name} when she accepts it."
        )
    return f"{done.person.display_name} is enrolled in {cohort.name}."


def _import_message(done) -> str:
    enrolled = sum(1 for item in done if isinstance(item, enrolment.Enrolled))
    invited = len(done) - enrolled
    parts = []
    if enrolled:
        parts.append(f"{enrolled} {'trainee is' if enrolled == 1 else 'trainees are'} enrolled.")
    if invited:
        parts.append(
            f"We have sent {invited} {'invitation' if invited == 1 else 'invitations'} by "
            "e-mail: each person joins when she accepts hers."
        )
    return " ".join(parts)


@blueprint.route(
    "/organisations/<slug>/cohorts/<int:cohort_id>/invitations/withdraw", methods=["POST"]
)
@login_required
def withdraw_invitation(slug: str, cohort_id: int):
    _, cohort = _load_cohort(slug, cohort_id, "enrolment.manage")
    email = request.form.get("email", "")
    with flashed_errors():
        invitations.withdraw_invitation(db.session, cohort, email)
        flash(f"The invitation to {email} is withdrawn, and its seat is free.", "success")
    return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))


@blueprint.route("/organisations/<slug>/enrolments/import", methods=["GET", "POST"])
@login_required
def import_enrolments(slug: str):
    organisation = organisation_by_slug(db.session, slug)
    authorize(current_user, "enrolment.manage", organisation)
    form = ImportForm()
    problems = ()
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(IMPORT_MAX_BYTES + 1)
        try:
            if len(data) > IMPORT_MAX_BYTES:
                raise DomainError("The file is larger than 2 MB: please split it.", field="file")
            done = enrolment.import_enrolments(db.session, organisation, data, _today())
        except ImportRejected as rejected:
            db.session.rollback()
            form.file.errors = [rejected.message]
            problems = rejected.problems
            status = 400
        except DomainError as error:
            db.session.rollback()
            form.file.errors = [error.message]
            status = 400
        else:
            db.session.commit()
            flash(_import_message(done), "success")
            return redirect(url_for("franchise.partner", slug=slug))
    elif request.method == "POST":
        status = 400
    return render_template(
        "franchise/import.html",
        organisation=organisation,
        form=form,
        problems=problems,
        aliases=COLUMN_ALIASES,
        cohorts=queries.visible_cohorts(db.session, current_user, organisation),
    ), status


@blueprint.route("/organisations/<slug>/enrolments/import/example.csv")
@login_required
def import_example(slug: str):
    organisation = organisation_by_slug(db.session, slug)
    authorize(current_user, "enrolment.manage", organisation)
    rows = [["amira@example.org", "Amira Hassan", "Spring 2027", "1990-02-28"]]
    return Response(
        csv_stream(["email", "name", "cohort", "date_of_birth"], rows),
        content_type=CSV_CONTENT_TYPE,
        headers={"Content-Disposition": 'attachment; filename="enrolment-example.csv"'},
    )


def _load_enrolment(slug: str, enrolment_id: int):
    organisation = organisation_by_slug(db.session, slug)
    authorize(current_user, "enrolment.manage", organisation)
    return organisation, queries.enrolment_for_org(db.session, organisation, enrolment_id)


def _back_to(organisation, item):
    if item.cohort_id:
        return url_for("franchise.cohort", slug=organisation.slug, cohort_id=item.cohort_id)
    return url_for("franchise.partner", slug=organisation.slug)


@blueprint.route("/organisations/<slug>/enrolments/<int:enrolment_id>/move", methods=["POST"])
@login_required
def move(slug: str, enrolment_id: int):
    organisation, item = _load_enrolment(slug, enrolment_id)
    target_id = request.form.get("cohort", type=int)
    if target_id is None:
        raise DomainError("Please choose the cohort to move her to.")
    target = queries.cohort_for_org(db.session, organisation, target_id)
    name = item.user.display_name
    cohort_ops.move_enrolment(db.session, item, target)
    db.session.commit()
    flash(f"{name} has moved to {target.name}.", "success")
    return redirect(url_for("franchise.cohort", slug=slug, cohort_id=target.id))


@blueprint.route(
    "/organisations/<slug>/enrolments/<int:enrolment_id>/withdraw", methods=["GET", "POST"]
)
@login_required
def withdraw(slug: str, enrolment_id: int):
    organisation, item = _load_enrolment(slug, enrolment_id)
    form = WithdrawForm()
    person, course = item.user, item.course
    if form.validate_on_submit():
        try:
            cohort_ops.withdraw_enrolment(db.session, item, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error, "reason")
        else:
            db.session.commit()
            flash(f"{person.display_name} has been withdrawn. Her record is kept.", "success")
            return redirect(_back_to(organisation, item))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "franchise/withdraw.html",
        organisation=organisation,
        enrolment=item,
        person=person,
        course=course,
        form=form,
    ), status


@blueprint.route("/organisations/<slug>/enrolments/<int:enrolment_id>/invite", methods=["POST"])
@login_required
def resend_invitation(slug: str, enrolment_id: int):
    organisation, item = _load_enrolment(slug, enrolment_id)
    person = item.user
    if person.password_hash is not None:
        flash(f"{person.display_name} has already set her password.", "info")
    else:
        send_invitation(db.session, person, organisation)
        record(db.session, "invitation.sent", obj=person, organisation_id=organisation.id)
        db.session.commit()
        flash(f"We have sent {person.display_name} a new invitation.", "success")
    return redirect(_back_to(organisation, item))


# --- answering an invitation (the link in its e-mail) ------------------------------------------


@blueprint.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """She accepts or declines. With an account she must be signed in as herself; with none,
    she chooses her name and password. Nothing of hers is shown to the organisation before she
    accepts, and nothing of the organisation's people is shown here."""
    try:
        found = invitations.invitation_for_token(
            db.session, current_app.config["SECRET_KEY"], token
        )
    except DomainError as error:
        return _invitation_message("This invitation cannot be used", error.message, 400)
    answer = request.form.get("answer") if request.method == "POST" else None
    if answer == "decline":  # the form's CSRF token is checked for every POST (CSRFProtect)
        invitations.decline(db.session, found)
        organisation = db.session.get(Organisation, found.organisation_id)
        return _invitation_message(
            "You have declined the invitation",
            f"Nothing about you has been shared with {organisation.name}. Thank you for letting "
            "them know.",
            200,
        )
    account = find_user_by_email(db.session, found.email)
    if account is None:
        return _join_with_new_account(found, accepting=answer == "accept")
    return _join_as_herself(found, account, accepting=answer == "accept")


def _invitation_message(title: str, text: str, status: int):
    return render_template("franchise/invitation_message.html", title=title, text=text), status


def _invitation_page(found, *, status: int = 200, **context):
    return render_template(
        "franchise/invitation.html",
        invitation=found,
        organisation=db.session.get(Organisation, found.organisation_id),
        cohort=db.session.get(Cohort, found.cohort_id),
        course=db.session.get(Course, found.course_id),
        button_form=EmptyForm(),
        **context,
    ), status


def _join_with_new_account(found, *, accepting: bool):
    form = JoinForm()
    if request.method == "GET":
        form.display_name.data = found.name
    if accepting and form.validate_on_submit():
        with form_errors(form, field="password"):
            invitations.accept_with_new_account(
                db.session, found, form.display_name.data, form.password.data, _today()
            )
            flash(
                "Your account is ready and you have joined. Please sign in with your new password.",
                "success",
            )
            return redirect(url_for("accounts.login"))
    return _invitation_page(found, form=form, status=400 if request.method == "POST" else 200)


def _join_as_herself(found, account, *, accepting: bool):
    signed_in = current_user.is_authenticated
    herself = signed_in and current_user.id == account.id
    if not accepting:
        return _invitation_page(found, herself=herself, signed_in=signed_in)
    if not signed_in:
        return redirect(url_for("accounts.login", next=request.path))
    if not herself:
        raise PermissionDenied("This invitation was sent to someone else.")
    with flashed_errors():
        invitations.accept(db.session, found, current_user._get_current_object(), _today())
        cohort = db.session.get(Cohort, found.cohort_id)
        flash(f"You have joined {cohort.name}. Welcome.", "success")
        return redirect(url_for("curriculum.dashboard"))
    return redirect(request.path)


# --- cohort progress --------------------------------------------------------------------------


PROGRESS_PAGE_SIZE = 100


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/progress")
@login_required
def cohort_progress(slug: str, cohort_id: int):
    organisation, cohort = _load_cohort(slug, cohort_id, "cohort.view")
    filters = progress.ProgressFilters.from_args(request.args)
    report = progress.cohort_progress(db.session, cohort, filters)
    # Totals and charts cover everyone; the table shows one page of trainees at a time.
    pages = max(1, -(-len(report.rows) // PROGRESS_PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    start = (page - 1) * PROGRESS_PAGE_SIZE
    return render_template(
        "franchise/progress.html",
        organisation=organisation,
        cohort=cohort,
        report=report,
        page_rows=report.rows[start : start + PROGRESS_PAGE_SIZE],
        page=page,
        pages=pages,
        filters=filters,
        status_filters=progress.STATUS_FILTERS,
        sorts=progress.SORTS,
    )


def _export(slug: str, cohort_id: int, kind: str):
    organisation, cohort = _load_cohort(slug, cohort_id, "cohort.view")
    filters = progress.ProgressFilters.from_args(request.args)
    units = progress.unit_columns(db.session, cohort)
    unit_measures = progress.measures()
    record(
        db.session,
        "cohort.progress_exported",
        obj=cohort,
        organisation_id=organisation.id,
        format=kind,
    )
    db.session.commit()
    header = progress.export_header(units, unit_measures)
    engine = db.engine

    def rows():
        # The download outlives this request's session, so it reads through its own.
        with Session(engine) as session:
            for row in progress.iter_progress_rows(session, cohort, filters, units):
                yield progress.export_row(row, units, unit_measures)

    name = re.sub(r"[^A-Za-z0-9]+", "-", cohort.name).strip("-").lower() or "cohort"
    filename = f"{name}-progress-{_today().isoformat()}.{kind}"
    if kind == "csv":
        return Response(
            csv_stream(header, rows()),
            content_type=CSV_CONTENT_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return send_file(
        write_xlsx(header, rows(), title=cohort.name),
        mimetype=XLSX_CONTENT_TYPE,
        as_attachment=True,
        download_name=filename,
    )


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/progress.csv")
@login_required
def progress_csv(slug: str, cohort_id: int):
    return _export(slug, cohort_id, "csv")


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/progress.xlsx")
@login_required
def progress_xlsx(slug: str, cohort_id: int):
    return _export(slug, cohort_id, "xlsx")
