"""Franchise pages: the franchisor's overview and licences, a partner's cohorts, enrolment,
CSV import, cohort progress and its exports."""

from __future__ import annotations

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

from lms.accounts.forms import EmptyForm, JoinForm
from lms.accounts.invitations import invite_again
from lms.accounts.models import Organisation
from lms.accounts.operations import JOINED_OR_SIGN_IN
from lms.accounts.queries import organisation_for
from lms.audit.operations import record
from lms.curriculum.models import Cohort, CohortRole, CohortStatus, Course
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
    LicenceForm,
    MoveForm,
    StaffForm,
    WithdrawForm,
    options,
)
from lms.franchise.models import LicenceStatus
from lms.i18n import _, ngettext
from lms.permissions import authorize, can
from lms.reporting.spreadsheet import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream, write_xlsx
from lms.web import flashed_errors, form_errors, form_status

blueprint = Blueprint("franchise", __name__)


def _today():
    return utcnow().date()


def _organisation(slug: str, action: str | None = None) -> Organisation:
    """The organisation of the URL: not found unless the person may see it, then refused
    unless her role allows `action` there."""
    organisation = organisation_for(db.session, current_user, slug)
    if action is not None:
        authorize(current_user, action, organisation)
    return organisation


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
    organisation = _organisation(slug, "partner.report")
    report = overview.partner_overview(db.session, organisation, _today())
    summary = report.partners[0]
    return render_template(
        "franchise/partner.html",
        organisation=organisation,
        report=report,
        summary=summary,
        cohorts=overview.partner_cohorts(
            db.session,
            organisation,
            after=request.args.get("after"),
            before=request.args.get("before"),
        ),
        charts=overview.partner_charts(db.session, summary),
    )


def _licence_page(organisation, form, *, licence=None, course=None, candidates=()):
    return render_template(
        "franchise/licence_form.html",
        organisation=organisation,
        form=form,
        licence=licence,
        course=course,
        candidates=candidates,
    ), form_status(form)


@blueprint.route("/organisations/<slug>/licences/new", methods=["GET", "POST"])
@login_required
def new_licence(slug: str):
    organisation = _organisation(slug, "licence.manage")
    candidates = licences.unlicensed_qualifications(db.session, organisation, _today())
    if not candidates:
        flash(
            _(
                "%(organisation)s already holds a licence for every qualification.",
                organisation=organisation.name,
            ),
            "info",
        )
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
        with form_errors(form, field="seats"):
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
            flash(
                _(
                    "%(organisation)s is now licensed to deliver %(course)s.",
                    organisation=organisation.name,
                    course=course.title,
                ),
                "success",
            )
            return redirect(url_for("franchise.partner", slug=slug))
    return _licence_page(organisation, form, course=course, candidates=candidates)


@blueprint.route("/organisations/<slug>/licences/<int:licence_id>", methods=["GET", "POST"])
@login_required
def edit_licence(slug: str, licence_id: int):
    organisation = _organisation(slug)
    licence = licences.licence_of_partner(db.session, organisation, licence_id)
    if not can(current_user, "licence.view", organisation):
        raise NotFound()
    authorize(current_user, "licence.manage", organisation)
    form = LicenceForm(obj=licence if request.method == "GET" else None)
    del form.course
    form.units.choices = options(licences.course_unit_codes(db.session, licence.course))
    if request.method == "GET":
        form.units.data = sorted(licence.unit_codes)
        form.status.data = licence.status.value
    elif form.validate_on_submit():
        with form_errors(form, field="seats"):
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
            flash(
                _("The licence for %(course)s has been updated.", course=licence.course.title),
                "success",
            )
            return redirect(url_for("franchise.partner", slug=slug))
    return _licence_page(organisation, form, licence=licence, course=licence.course)


# --- cohorts ----------------------------------------------------------------------------------


@blueprint.route("/organisations/<slug>/cohorts/new", methods=["GET", "POST"])
@login_required
def new_cohort(slug: str):
    organisation = _organisation(slug, "cohort.manage")
    courses = queries.courses_for_new_cohort(db.session, organisation, _today())
    form = CohortForm()
    form.course.choices = options((c.id, c.title) for c in courses)
    if form.validate_on_submit():
        course = next(c for c in courses if c.id == form.course.data)
        with form_errors(form, field="name"):
            cohort = cohort_ops.open_cohort(
                db.session,
                organisation,
                course,
                form.name.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                today=_today(),
            )
            flash(_("The cohort %(name)s has been created.", name=cohort.name), "success")
            return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))
    return render_template(
        "franchise/cohort_form.html", organisation=organisation, form=form, cohort=None
    ), form_status(form)


def _load_cohort(slug: str, cohort_id: int, action: str = "cohort.view"):
    """The organisation and the cohort of the URL: not found unless the person may see the
    cohort, then refused unless her role allows `action` in its organisation."""
    organisation = _organisation(slug)
    cohort = queries.cohort_for_org(db.session, organisation, cohort_id)
    if not can(current_user, "cohort.view", cohort):
        raise NotFound()
    if action != "cohort.view":
        authorize(current_user, action, organisation)
    return organisation, cohort


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>")
@login_required
def cohort(slug: str, cohort_id: int):
    organisation, cohort = _load_cohort(slug, cohort_id)
    manage = can(current_user, "cohort.manage", organisation)
    manage_enrolment = can(current_user, "enrolment.manage", organisation)
    staff_form = None
    if manage and cohort.status == CohortStatus.OPEN:
        staff_form = _staff_form(cohort)
    return render_template(
        "franchise/cohort.html",
        organisation=organisation,
        cohort=cohort,
        usage=licences.usage_for_course(db.session, organisation, cohort.course, _today()),
        enrolments=queries.cohort_enrolments(db.session, cohort),
        siblings=queries.sibling_cohorts(db.session, cohort),
        manage=manage,
        may_reopen=can(current_user, "cohort.reopen", organisation),
        manage_enrolment=manage_enrolment,
        invited=invitations.pending_in_cohort(db.session, cohort) if manage_enrolment else [],
        staff_form=staff_form,
        button_form=EmptyForm(),
        move_form=MoveForm(),
    )


def _staff_form(cohort) -> StaffForm:
    form = StaffForm()
    form.user.choices = options(queries.staff_choices(db.session, cohort))
    return form


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cohort(slug: str, cohort_id: int):
    organisation, cohort = _load_cohort(slug, cohort_id, "cohort.manage")
    form = CohortForm(obj=cohort if request.method == "GET" else None)
    del form.course
    if form.validate_on_submit():
        with form_errors(form, field="name"):
            cohort_ops.edit_cohort(
                db.session,
                cohort,
                form.name.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
            flash(_("The cohort has been updated."), "success")
            return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))
    return render_template(
        "franchise/cohort_form.html", organisation=organisation, form=form, cohort=cohort
    ), form_status(form)


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/close", methods=["GET", "POST"])
@login_required
def close_cohort(slug: str, cohort_id: int):
    organisation, cohort = _load_cohort(slug, cohort_id, "cohort.manage")
    form = EmptyForm()
    if form.validate_on_submit():
        with flashed_errors():
            cohort_ops.close_cohort(db.session, cohort)
            flash(
                _(
                    "The cohort %(name)s is closed. Its trainees and records are kept.",
                    name=cohort.name,
                ),
                "success",
            )
        return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort_id))
    return render_template(
        "franchise/close_cohort.html",
        organisation=organisation,
        cohort=cohort,
        enrolments=queries.cohort_enrolments(db.session, cohort),
        form=form,
    )


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/reopen", methods=["POST"])
@login_required
def reopen_cohort(slug: str, cohort_id: int):
    _organisation, cohort = _load_cohort(slug, cohort_id, "cohort.reopen")
    with flashed_errors():
        cohort_ops.reopen_cohort(db.session, cohort)
        flash(_("The cohort %(name)s is open again.", name=cohort.name), "success")
    return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort_id))


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/staff", methods=["POST"])
@login_required
def assign_staff(slug: str, cohort_id: int):
    _organisation, cohort = _load_cohort(slug, cohort_id, "cohort.manage")
    form = StaffForm()
    if not form.validate_on_submit():
        flash(_("Please choose a person and a role."), "error")
    else:
        with flashed_errors():
            person = cohort_ops.assign_candidate(
                db.session, cohort, form.user.data, CohortRole(form.role.data)
            )
            flash(
                _(
                    "%(name)s is now assigned to %(cohort)s.",
                    name=person.display_name,
                    cohort=cohort.name,
                ),
                "success",
            )
    return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort_id))


@blueprint.route(
    "/organisations/<slug>/cohorts/<int:cohort_id>/staff/<int:user_id>/<role>/remove",
    methods=["POST"],
)
@login_required
def remove_staff(slug: str, cohort_id: int, user_id: int, role: str):
    _organisation, cohort = _load_cohort(slug, cohort_id, "cohort.manage")
    try:
        role = CohortRole(role)
    except ValueError:
        raise NotFound() from None
    with flashed_errors():
        cohort_ops.remove_staff(db.session, cohort, user_id, role)
        flash(_("The assignment has been removed."), "success")
    return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort_id))


# --- enrolment --------------------------------------------------------------------------------


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/enrol", methods=["GET", "POST"])
@login_required
def enrol(slug: str, cohort_id: int):
    organisation, cohort = _load_cohort(slug, cohort_id, "enrolment.manage")
    form = EnrolForm()
    if form.validate_on_submit():
        with form_errors(form, field="email"):
            done = enrolment.enrol_person(
                db.session,
                cohort,
                form.email.data,
                form.display_name.data,
                date_of_birth=form.date_of_birth.data,
                today=_today(),
            )
            flash(_enrol_message(done, cohort), "success")
            return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))
    return render_template(
        "franchise/enrol.html", organisation=organisation, cohort=cohort, form=form
    ), form_status(form)


def _enrol_message(done, cohort) -> str:
    """The same words for every address that is not one of the organisation's people, known
    elsewhere or not at all."""
    if isinstance(done, enrolment.Invited):
        return _(
            "We have sent an invitation to %(email)s. She will join %(cohort)s when she "
            "accepts it.",
            email=done.invitation.email,
            cohort=cohort.name,
        )
    return _(
        "%(name)s is enrolled in %(cohort)s.", name=done.person.display_name, cohort=cohort.name
    )


def _import_message(done) -> str:
    enrolled = sum(1 for item in done if isinstance(item, enrolment.Enrolled))
    invited = len(done) - enrolled
    parts = []
    if enrolled:
        parts.append(
            ngettext("%(num)d trainee is enrolled.", "%(num)d trainees are enrolled.", enrolled)
        )
    if invited:
        parts.append(
            ngettext(
                "We have sent %(num)d invitation by e-mail: each person joins when she "
                "accepts hers.",
                "We have sent %(num)d invitations by e-mail: each person joins when she "
                "accepts hers.",
                invited,
            )
        )
    return " ".join(parts)


@blueprint.route(
    "/organisations/<slug>/cohorts/<int:cohort_id>/invitations/withdraw", methods=["POST"]
)
@login_required
def withdraw_invitation(slug: str, cohort_id: int):
    _organisation, cohort = _load_cohort(slug, cohort_id, "enrolment.manage")
    email = request.form.get("email", "")
    with flashed_errors():
        invitations.withdraw_invitation(db.session, cohort, email)
        flash(
            _("The invitation to %(email)s is withdrawn, and its seat is free.", email=email),
            "success",
        )
    return redirect(url_for("franchise.cohort", slug=slug, cohort_id=cohort.id))


@blueprint.route("/organisations/<slug>/enrolments/import", methods=["GET", "POST"])
@login_required
def import_enrolments(slug: str):
    organisation = _organisation(slug, "enrolment.manage")
    form = ImportForm()
    problems = ()
    if form.validate_on_submit():
        data = form.file.data.read(enrolment.IMPORT_MAX_BYTES + 1)
        with form_errors(form, field="file") as outcome:
            done = enrolment.import_enrolments(db.session, organisation, data, _today())
            flash(_import_message(done), "success")
            return redirect(url_for("franchise.partner", slug=slug))
        if isinstance(outcome.error, ImportRejected):
            problems = outcome.error.problems
    return render_template(
        "franchise/import.html",
        organisation=organisation,
        form=form,
        problems=problems,
        aliases=COLUMN_ALIASES,
        cohorts=queries.visible_cohorts(db.session, current_user, organisation),
    ), form_status(form)


@blueprint.route("/organisations/<slug>/enrolments/import/example.csv")
@login_required
def import_example(slug: str):
    _organisation(slug, "enrolment.manage")
    rows = [["amira@example.org", "Amira Hassan", "Spring 2027", "1990-02-28"]]
    return Response(
        csv_stream(["email", "name", "cohort", "date_of_birth"], rows),
        content_type=CSV_CONTENT_TYPE,
        headers={"Content-Disposition": 'attachment; filename="enrolment-example.csv"'},
    )


def _load_enrolment(slug: str, enrolment_id: int):
    """The organisation and the enrolment of the URL (its staff may see its enrolments): not
    found unless the person may see them, then refused unless her role lets her manage
    enrolment there."""
    organisation = _organisation(slug)
    item = queries.enrolment_for_org(db.session, organisation, enrolment_id)
    authorize(current_user, "enrolment.manage", organisation)
    return organisation, item


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
        flash(_("Please choose the cohort to move her to."), "error")
        return redirect(_back_to(organisation, item))
    target = queries.cohort_for_org(db.session, organisation, target_id)
    name = item.user.display_name
    with flashed_errors():
        cohort_ops.move_enrolment(db.session, item, target)
        flash(_("%(name)s has moved to %(cohort)s.", name=name, cohort=target.name), "success")
        return redirect(url_for("franchise.cohort", slug=slug, cohort_id=target.id))
    return redirect(_back_to(organisation, item))


@blueprint.route(
    "/organisations/<slug>/enrolments/<int:enrolment_id>/withdraw", methods=["GET", "POST"]
)
@login_required
def withdraw(slug: str, enrolment_id: int):
    organisation, item = _load_enrolment(slug, enrolment_id)
    form = WithdrawForm()
    person, course = item.user, item.course
    if form.validate_on_submit():
        with form_errors(form, field="reason"):
            cohort_ops.withdraw_enrolment(db.session, item, form.reason.data)
            flash(
                _(
                    "%(name)s has been withdrawn. Her record is kept.",
                    name=person.display_name,
                ),
                "success",
            )
            return redirect(_back_to(organisation, item))
    return render_template(
        "franchise/withdraw.html",
        organisation=organisation,
        enrolment=item,
        person=person,
        course=course,
        form=form,
    ), form_status(form)


@blueprint.route("/organisations/<slug>/enrolments/<int:enrolment_id>/invite", methods=["POST"])
@login_required
def resend_invitation(slug: str, enrolment_id: int):
    organisation, item = _load_enrolment(slug, enrolment_id)
    person = item.user
    with flashed_errors():
        invite_again(db.session, person, organisation)
        flash(_("We have sent %(name)s a new invitation.", name=person.display_name), "success")
    return redirect(_back_to(organisation, item))


# --- answering an invitation (the link in its e-mail) ------------------------------------------


@blueprint.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """She accepts or declines. With an account she must be signed in as herself; with none,
    she chooses her name and password. The page and its answers are the same whether or not
    the address has an account. Nothing of hers is shown to the organisation before she
    accepts, and nothing of the organisation's people is shown here."""
    try:
        found = invitations.invitation_for_token(
            db.session, current_app.config["SECRET_KEY"], token
        )
    except DomainError as error:
        return _invitation_message(_("This invitation cannot be used"), error.message, 400)
    answer = request.form.get("answer") if request.method == "POST" else None
    if answer == "decline":  # the form's CSRF token is checked for every POST (CSRFProtect)
        invitations.decline(db.session, found)
        organisation = db.session.get(Organisation, found.organisation_id)
        return _invitation_message(
            _("You have declined the invitation"),
            _(
                "Nothing about you has been shared with %(organisation)s. Thank you for letting "
                "them know.",
                organisation=organisation.name,
            ),
            200,
        )
    if current_user.is_authenticated:
        return _join_as_herself(found, accepting=answer == "accept")
    return _join_with_new_account(found, accepting=answer == "accept")


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
            flash(str(JOINED_OR_SIGN_IN), "success")
            return redirect(url_for("accounts.login"))
    return _invitation_page(found, form=form, status=400 if request.method == "POST" else 200)


def _join_as_herself(found, *, accepting: bool):
    herself = current_user.email == found.email
    if not accepting:
        return _invitation_page(found, herself=herself, signed_in=True)
    if not herself:
        raise PermissionDenied(_("This invitation was sent to someone else."))
    with flashed_errors():
        invitations.accept(db.session, found, current_user._get_current_object(), _today())
        cohort = db.session.get(Cohort, found.cohort_id)
        flash(_("You have joined %(cohort)s. Welcome.", cohort=cohort.name), "success")
        return redirect(url_for("curriculum.dashboard"))
    return redirect(request.path)


# --- cohort progress --------------------------------------------------------------------------


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/progress")
@login_required
def cohort_progress(slug: str, cohort_id: int):
    organisation, cohort = _load_cohort(slug, cohort_id)
    filters = progress.ProgressFilters.from_args(request.args)
    # Totals and charts cover everyone; the table shows one page of trainees at a time.
    report = progress.cohort_progress(
        db.session,
        cohort,
        filters,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    return render_template(
        "franchise/progress.html",
        organisation=organisation,
        cohort=cohort,
        report=report,
        page_rows=report.rows,
        page=report.page,
        pages=report.pages,
        filters=filters,
        status_filters=progress.STATUS_FILTERS,
        sorts=progress.SORTS,
    )


def _export(slug: str, cohort_id: int, kind: str):
    organisation, cohort = _load_cohort(slug, cohort_id)
    filters = progress.ProgressFilters.from_args(request.args)
    units = progress.unit_columns(db.session, cohort)
    record(
        db.session,
        "cohort.progress_exported",
        obj=cohort,
        organisation_id=organisation.id,
        format=kind,
    )
    header = progress.export_header(units, progress.measures())
    rows = progress.export_rows(db.engine, cohort.id, filters, units)
    filename = progress.export_filename(cohort, _today(), kind)
    if kind == "csv":
        # Streamed after this request has committed (the audit entry with it): the rows are
        # read through a session of their own.
        return Response(
            csv_stream(header, rows),
            content_type=CSV_CONTENT_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return send_file(
        write_xlsx(header, rows, title=cohort.name),
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
