"""Survey pages: a trainee's surveys, her journey and her mentee feedback links; the mentee's
form (no account); the impact report of a cohort, a partner or the franchise, its exports, and
the written answers for coordinators."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from lms.accounts.forms import EmptyForm
from lms.accounts.queries import organisation_for
from lms.audit.operations import record
from lms.curriculum.models import Cohort
from lms.db import utcnow
from lms.errors import DomainError, NotFound
from lms.extensions import db, limiter
from lms.i18n import _
from lms.permissions import authorize
from lms.practice import impact
from lms.practice.surveys import operations, queries
from lms.practice.surveys.format import Moment
from lms.practice.surveys.forms import AnswersForm, LinkForm
from lms.practice.surveys.models import MenteeLink
from lms.reporting.spreadsheet import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream, write_xlsx
from lms.web import flashed_errors, form_errors, form_status, load_or_404

blueprint = Blueprint("surveys", __name__)


def _today():
    return utcnow().date()


def _answer_errors(call) -> dict[str, str]:
    """Run `call`; a DomainError becomes {question id (or "form"): message}."""
    try:
        call()
    except DomainError as error:
        return {error.field or "form": error.message}
    return {}


# --- the trainee ----------------------------------------------------------------------------


@blueprint.route("/surveys")
@login_required
def index():
    return render_template(
        "surveys/index.html",
        asked=queries.surveys_for(db.session, current_user, _today()),
        journeys=queries.journeys(db.session, current_user),
    )


@blueprint.route("/surveys/<slug>/<any(start, end, follow_up):moment>", methods=["GET", "POST"])
@login_required
def answer(slug: str, moment: str):
    survey = queries.current_survey(db.session, slug)
    if not queries.asked_of_trainees(survey, Moment(moment)):
        raise NotFound()
    enrolment = queries.enrolment_for_survey(db.session, current_user, survey)
    if enrolment is None:
        raise NotFound()
    authorize(current_user, "survey.answer", enrolment)
    form = AnswersForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        errors = _answer_errors(
            lambda: operations.answer_survey(
                db.session, enrolment, survey, Moment(moment), request.form.to_dict(flat=False)
            )
        )
        if not errors:
            return redirect(url_for("surveys.index", answered=1))
    return render_template(
        "surveys/answer.html",
        survey=survey.parsed,
        moment=Moment(moment),
        form=form,
        errors=errors,
        given=request.form,
        action=url_for("surveys.answer", slug=slug, moment=moment),
    ), (400 if errors or form.errors else 200)


# --- mentee feedback links --------------------------------------------------------------------


@blueprint.route("/surveys/mentee-links", methods=["GET", "POST"])
@login_required
def links():
    form = LinkForm()
    made = None
    if form.validate_on_submit():
        with form_errors(form, field="label"):
            made = operations.create_mentee_link(db.session, current_user, form.label.data or "")
            form = LinkForm(formdata=None)
    return render_template(
        "surveys/links.html",
        form=form,
        lines=queries.mentee_links(db.session, current_user),
        made_url=made and url_for("surveys.mentee_form", token=made[1], _external=True),
        close_form=EmptyForm(),
    ), form_status(form)


def _own_link(link_id: int) -> MenteeLink:
    return load_or_404(MenteeLink, link_id, "mentee_link.manage")


@blueprint.route("/surveys/mentee-links/<int:link_id>/paper")
@login_required
def paper(link_id: int):
    link = _own_link(link_id)
    survey = operations.survey_of_link(db.session, link)
    if survey is None:
        raise NotFound()
    return render_template("surveys/paper.html", survey=survey.parsed)


@blueprint.route("/surveys/mentee-links/<int:link_id>/answers", methods=["GET", "POST"])
@login_required
def paper_answers(link_id: int):
    link = _own_link(link_id)
    survey = operations.survey_of_link(db.session, link)
    if survey is None or not link.is_open:
        raise NotFound()
    form = AnswersForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        errors = _answer_errors(
            lambda: operations.answer_as_mentee(
                db.session, link, request.form.to_dict(flat=False), on_paper=True
            )
        )
        if not errors:
            return redirect(url_for("surveys.links", entered=1))
    return render_template(
        "surveys/answer.html",
        survey=survey.parsed,
        moment=None,
        form=form,
        errors=errors,
        given=request.form,
        on_paper=True,
        action=url_for("surveys.paper_answers", link_id=link.id),
    ), (400 if errors or form.errors else 200)


@blueprint.route("/surveys/mentee-links/<int:link_id>/close", methods=["POST"])
@login_required
def close_link(link_id: int):
    link = _own_link(link_id)
    if EmptyForm().validate_on_submit():
        with flashed_errors():
            operations.close_mentee_link(db.session, link)
    return redirect(url_for("surveys.links"))


def _link_key() -> str:
    # Limited per link, never per address: the mentee's address is not read or kept.
    return "mentee-form:" + operations.token_hash(request.view_args.get("token", ""))


@blueprint.route("/f/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", key_func=_link_key, methods=["POST"])
@limiter.limit("120 per hour", key_func=_link_key, methods=["GET"])
def mentee_form(token: str):
    link = operations.open_link_for_token(db.session, token)
    survey = link and operations.survey_of_link(db.session, link)
    if survey is None:
        return render_template("surveys/link_unknown.html"), 404
    form = AnswersForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        errors = _answer_errors(
            lambda: operations.answer_as_mentee(
                db.session, link, request.form.to_dict(flat=False), on_paper=False
            )
        )
        if not errors:
            return redirect(url_for("surveys.thanks"))
    return render_template(
        "surveys/answer.html",
        survey=survey.parsed,
        moment=None,
        form=form,
        errors=errors,
        given=request.form,
        anonymous=True,
        action=url_for("surveys.mentee_form", token=token),
    ), (400 if errors or form.errors else 200)


@blueprint.route("/f/thanks")
def thanks():
    return render_template("surveys/thanks.html")


# --- the impact report ---------------------------------------------------------------------------


def _organisation(slug: str, action: str):
    organisation = organisation_for(db.session, current_user, slug)
    authorize(current_user, action, organisation)
    return organisation


def _cohort(slug: str, cohort_id: int):
    organisation = organisation_for(db.session, current_user, slug)
    cohort = load_or_404(
        Cohort,
        cohort_id,
        "impact.view_cohort",
        organisation_id=organisation.id,
        options=(selectinload(Cohort.organisation),),
    )
    return organisation, cohort


def _report_page(scope, organisation, cohort=None):
    return render_template(
        "surveys/impact.html",
        report=impact.impact_report(db.session, scope, _today()),
        organisation=organisation,
        cohort=cohort,
        cohorts=impact.scope_cohorts(db.session, organisation)
        if scope.kind is impact.ScopeKind.PARTNER
        else [],
        partners=impact.scope_partners(db.session, organisation)
        if scope.kind is impact.ScopeKind.FRANCHISE
        else [],
    )


def _export(scope, organisation, kind: str):
    report = impact.impact_report(db.session, scope, _today())
    record(
        db.session,
        "impact.exported",
        obj=scope.cohort or organisation,
        organisation_id=organisation.id,
        format=kind,
    )
    rows = list(impact.export_rows(report))
    filename = impact.export_filename(scope, _today(), kind)
    if kind == "csv":
        return Response(
            csv_stream([str(h) for h in impact.EXPORT_HEADER], rows),
            content_type=CSV_CONTENT_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return send_file(
        write_xlsx(impact.EXPORT_HEADER, rows, title=_("Report")),
        mimetype=XLSX_CONTENT_TYPE,
        as_attachment=True,
        download_name=filename,
    )


@blueprint.route("/organisations/<slug>/impact")
@login_required
def report(slug: str):
    organisation = _organisation(slug, "impact.view")
    return _report_page(impact.scope_of(organisation), organisation)


@blueprint.route("/organisations/<slug>/impact.<any(csv, xlsx):kind>")
@login_required
def export(slug: str, kind: str):
    organisation = _organisation(slug, "impact.view")
    return _export(impact.scope_of(organisation), organisation, kind)


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/impact")
@login_required
def cohort_report(slug: str, cohort_id: int):
    organisation, cohort = _cohort(slug, cohort_id)
    return _report_page(impact.scope_of(organisation, cohort), organisation, cohort)


@blueprint.route("/organisations/<slug>/cohorts/<int:cohort_id>/impact.<any(csv, xlsx):kind>")
@login_required
def cohort_export(slug: str, cohort_id: int, kind: str):
    organisation, cohort = _cohort(slug, cohort_id)
    return _export(impact.scope_of(organisation, cohort), organisation, kind)


@blueprint.route("/organisations/<slug>/impact/comments")
@login_required
def comments(slug: str):
    organisation = _organisation(slug, "impact.read_comments")
    record(db.session, "impact.comments_read", obj=organisation, organisation_id=organisation.id)
    return render_template(
        "surveys/comments.html",
        organisation=organisation,
        comments=impact.comments(db.session, organisation),
    )
