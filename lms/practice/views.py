"""Practice pages: a trainee's relationships and sessions, her supervision and the flags about
her; a supervisor's supervisees; the coordinator's overview; the private journal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.forms import EmptyForm
from lms.accounts.models import Organisation, User
from lms.curriculum.models import AssessmentCriterion, CourseUnit, Enrolment
from lms.db import utcnow
from lms.errors import NotFound
from lms.extensions import db
from lms.i18n import _, format_decimal
from lms.permissions import authorize, can
from lms.practice import operations, queries
from lms.practice.forms import (
    CloseForm,
    EvidenceForm,
    FlagForm,
    FollowUpForm,
    JournalForm,
    RelationshipForm,
    SessionForm,
    SupervisionForm,
    SupervisorForm,
)
from lms.practice.rules import supervised_enrolment_ids
from lms.web import flashed_errors, form_errors, form_status, load_or_404, organisation_or_404

blueprint = Blueprint("practice", __name__, url_prefix="/practice")


@blueprint.app_template_filter("practice_hours")
def _practice_hours(minutes: int | None) -> str:
    """Minutes as hours, the way the reader's language writes numbers: 90 -> "1.5"."""
    return format_decimal((minutes or 0) / 60, format="#,##0.#")


@dataclass(frozen=True)
class CourseProgress:
    totals: queries.PracticeTotals
    requirement: queries.Requirement


@blueprint.app_template_global("practice_progress")
def _practice_progress(enrolment: Enrolment) -> CourseProgress | None:
    """Practice for the course page of anyone who may see the trainee's practice, when the
    qualification asks for some or she has logged any (two or three queries)."""
    if not can(current_user, "practice.view", enrolment):
        return None
    requirement = queries.requirement_for(db.session, enrolment.course_id)
    totals = queries.totals_for(db.session, [enrolment.id]).get(enrolment.id)
    if totals is None and not (requirement.hours or requirement.supervision_sessions):
        return None
    return CourseProgress(totals or queries.PracticeTotals(), requirement)


def _today() -> date:
    return utcnow().date()


def _enrolment(enrolment_id: int, action: str = "practice.view") -> Enrolment:
    enrolment = load_or_404(
        Enrolment,
        enrolment_id,
        "practice.view",
        options=(joinedload(Enrolment.course), joinedload(Enrolment.user)),
    )
    if action != "practice.view" and not can(current_user, action, enrolment):
        abort(403)
    return enrolment


def _back(enrolment: Enrolment):
    return redirect(url_for("practice.enrolment", enrolment_id=enrolment.id))


@blueprint.get("/")
@login_required
def index():
    """Her own practice, and the trainees she supervises."""
    mine = queries.own_enrolments(db.session, current_user)
    supervisees = queries.trainees_practice(
        db.session, supervised_enrolment_ids(current_user), _today()
    )
    actions = queries.overdue_actions(db.session, current_user, _today())
    return render_template(
        "practice/index.html", mine=mine, supervisees=supervisees, overdue_actions=actions
    )


@blueprint.get("/<int:enrolment_id>")
@login_required
def enrolment(enrolment_id: int):
    enrolment = _enrolment(enrolment_id)
    session = db.session
    totals = queries.totals_for(session, [enrolment.id]).get(enrolment.id, queries.PracticeTotals())
    return render_template(
        "practice/enrolment.html",
        enrolment=enrolment,
        trainee=session.get(User, enrolment.user_id),
        own=enrolment.user_id == current_user.id,
        relationships=queries.relationships_of(session, enrolment),
        totals=totals,
        requirement=queries.requirement_for(session, enrolment.course_id),
        unmet=queries.unmet_requirements(session, enrolment),
        supervisions=queries.supervisions_of(session, enrolment),
        flags=queries.flags_of(session, enrolment),
        paused=operations.pausing_flag(session, enrolment),
        supervisor=queries.supervisor_of(session, enrolment),
        today=_today(),
        form=EmptyForm(),
        may_supervise=can(current_user, "practice.supervise", enrolment),
        may_log=can(current_user, "practice.log", enrolment),
        may_assign=can(
            current_user,
            "practice.assign_supervisor",
            session.get(Organisation, enrolment.organisation_id),
        ),
    )


@blueprint.route("/<int:enrolment_id>/relationships/new", methods=["GET", "POST"])
@login_required
def new_relationship(enrolment_id: int):
    enrolment = _enrolment(enrolment_id, "practice.log")
    form = RelationshipForm()
    if form.validate_on_submit():
        with form_errors(form, field="pseudonym"):
            mentoring = operations.start_relationship(
                db.session,
                enrolment,
                pseudonym=form.pseudonym.data,
                started_on=form.started_on.data,
                goals=form.goals.data,
            )
            flash(
                _(
                    "Your relationship with %(pseudonym)s is recorded.",
                    pseudonym=mentoring.pseudonym,
                ),
                "success",
            )
            return redirect(
                url_for(
                    "practice.relationship", enrolment_id=enrolment.id, relationship_id=mentoring.id
                )
            )
    return render_template(
        "practice/relationship_form.html", enrolment=enrolment, form=form
    ), form_status(form)


def _relationship_page(enrolment: Enrolment, mentoring, form: SessionForm):
    return render_template(
        "practice/relationship.html",
        enrolment=enrolment,
        mentoring=mentoring,
        form=form,
        may_log=can(current_user, "practice.log", enrolment) and mentoring.is_open,
        paused=operations.pausing_flag(db.session, enrolment),
    ), form_status(form)


@blueprint.get("/<int:enrolment_id>/relationships/<int:relationship_id>")
@login_required
def relationship(enrolment_id: int, relationship_id: int):
    """The relationship, its sessions and, for her, the form to log one."""
    enrolment = _enrolment(enrolment_id)
    mentoring = queries.relationship_of(db.session, enrolment, relationship_id)
    return _relationship_page(enrolment, mentoring, SessionForm())


@blueprint.post("/<int:enrolment_id>/relationships/<int:relationship_id>/sessions")
@login_required
def log_session(enrolment_id: int, relationship_id: int):
    enrolment = _enrolment(enrolment_id, "practice.log")
    mentoring = queries.relationship_of(db.session, enrolment, relationship_id)
    form = SessionForm()
    if form.validate_on_submit():
        with form_errors(form, field="held_on"):
            operations.log_session(
                db.session,
                mentoring,
                enrolment,
                held_on=form.held_on.data,
                minutes=form.minutes.data,
                mode=form.mode.data,
                support=form.support.data,
                service=form.service.data or None,
                note=form.note.data,
            )
            flash(_("The session is logged."), "success")
            return redirect(
                url_for(
                    "practice.relationship", enrolment_id=enrolment.id, relationship_id=mentoring.id
                )
            )
    return _relationship_page(enrolment, mentoring, form)


@blueprint.route(
    "/<int:enrolment_id>/relationships/<int:relationship_id>/close", methods=["GET", "POST"]
)
@login_required
def close_relationship(enrolment_id: int, relationship_id: int):
    enrolment = _enrolment(enrolment_id, "practice.log")
    mentoring = queries.relationship_of(db.session, enrolment, relationship_id)
    form = CloseForm()
    if form.validate_on_submit():
        with form_errors(form, field="closed_on"):
            operations.close_relationship(
                db.session,
                mentoring,
                closed_on=form.closed_on.data,
                kind=form.kind.data,
                achieved=form.achieved.data,
                learned=form.learned.data,
            )
            flash(
                _("Your relationship with %(pseudonym)s is closed.", pseudonym=mentoring.pseudonym),
                "success",
            )
            return _back(enrolment)
    return render_template(
        "practice/close_form.html", enrolment=enrolment, mentoring=mentoring, form=form
    ), form_status(form)


@blueprint.route("/<int:enrolment_id>/supervisor", methods=["GET", "POST"])
@login_required
def assign_supervisor(enrolment_id: int):
    enrolment = _enrolment(enrolment_id)
    organisation = db.session.get(Organisation, enrolment.organisation_id)
    authorize(current_user, "practice.assign_supervisor", organisation)
    people = [
        p
        for p in queries.possible_supervisors(db.session, organisation.id)
        if p.id != enrolment.user_id
    ]
    form = SupervisorForm()
    form.supervisor.choices = [(p.id, p.display_name) for p in people]
    if form.validate_on_submit():
        chosen = next((p for p in people if p.id == form.supervisor.data), None)
        if chosen is None:
            form.supervisor.errors = [_("Please choose someone from the list.")]
        else:
            with form_errors(form, field="supervisor"):
                operations.assign_supervisor(db.session, enrolment, chosen)
                flash(
                    _("%(name)s now supervises this practice.", name=chosen.display_name),
                    "success",
                )
                return _back(enrolment)
    return render_template(
        "practice/supervisor_form.html",
        enrolment=enrolment,
        trainee=db.session.get(User, enrolment.user_id),
        form=form,
    ), form_status(form)


@blueprint.route("/<int:enrolment_id>/flags/new", methods=["GET", "POST"])
@login_required
def raise_flag(enrolment_id: int):
    enrolment = _enrolment(enrolment_id, "practice.supervise")
    form = FlagForm()
    if form.validate_on_submit():
        with form_errors(form, field="follow_up_on"):
            operations.raise_flag(
                db.session,
                enrolment,
                current_user,
                kind=form.kind.data,
                note=form.note.data,
                follow_up_on=form.follow_up_on.data,
                pauses_practice=form.pauses_practice.data,
            )
            flash(_("The flag is raised."), "success")
            return _back(enrolment)
    return render_template(
        "practice/flag_form.html",
        enrolment=enrolment,
        trainee=db.session.get(User, enrolment.user_id),
        form=form,
    ), form_status(form)


@blueprint.route("/<int:enrolment_id>/flags/<int:flag_id>", methods=["GET", "POST"])
@login_required
def follow_up(enrolment_id: int, flag_id: int):
    enrolment = _enrolment(enrolment_id, "practice.supervise")
    flag = queries.flag_of(db.session, enrolment, flag_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        with form_errors(form, field="outcome"):
            operations.follow_up_flag(db.session, flag, current_user, outcome=form.outcome.data)
            flash(_("The follow-up is recorded."), "success")
            return _back(enrolment)
    return render_template(
        "practice/follow_up.html",
        enrolment=enrolment,
        trainee=db.session.get(User, enrolment.user_id),
        flag=flag,
        form=form,
    ), form_status(form)


@blueprint.route("/<int:enrolment_id>/supervision/new", methods=["GET", "POST"])
@login_required
def new_supervision(enrolment_id: int):
    """A supervision session with her, and others she may be supervised with."""
    enrolment = _enrolment(enrolment_id, "practice.supervise")
    group = [
        row.enrolment
        for row in queries.trainees_practice(
            db.session,
            supervised_enrolment_ids(current_user).where(
                Enrolment.organisation_id == enrolment.organisation_id
            ),
            _today(),
        )
    ]
    form = SupervisionForm()
    form.attendees.choices = [(e.id, e.user.display_name) for e in group]
    if request.method == "GET":
        form.attendees.data = [enrolment.id]
    if form.validate_on_submit():
        chosen = [e for e in group if e.id in set(form.attendees.data or [])]
        with form_errors(form, field="attendees"):
            operations.record_supervision(
                db.session,
                db.session.get(Organisation, enrolment.organisation_id),
                current_user,
                chosen,
                held_on=form.held_on.data,
                topics=form.topics.data,
                actions=form.actions(),
            )
            flash(_("The supervision session is recorded."), "success")
            return _back(enrolment)
    return render_template(
        "practice/supervision_form.html", enrolment=enrolment, form=form
    ), form_status(form)


@blueprint.post("/<int:enrolment_id>/actions/<int:action_id>/done")
@login_required
def action_done(enrolment_id: int, action_id: int):
    enrolment = _enrolment(enrolment_id, "practice.supervise")
    action = queries.action_of(db.session, enrolment, action_id)
    if EmptyForm().validate_on_submit():
        with flashed_errors():
            operations.complete_action(db.session, action)
            flash(_("The action is marked done."), "success")
    return _back(enrolment)


@blueprint.get("/organisation/<slug>")
@login_required
def overview(slug: str):
    """The coordinator's view: every trainee's practice, flags awaiting follow-up, and the
    weekly count of flags not followed up by their date, per cohort."""
    organisation = organisation_or_404(slug, "practice.coordinate")
    today = _today()
    ids = select(Enrolment.id).where(Enrolment.organisation_id == organisation.id)
    weeks, cohorts = queries.weekly_overdue_by_cohort(db.session, organisation, today)
    return render_template(
        "practice/overview.html",
        organisation=organisation,
        trainees=queries.trainees_practice(db.session, ids, today),
        overdue=queries.overdue_flags(db.session, ids, today),
        weeks=weeks,
        cohorts=cohorts,
        month_minutes=queries.minutes_between(
            db.session, ids, queries.month_start(today), queries.next_month(today)
        ),
        supervision_overdue=queries.supervision_overdue(db.session, ids, today),
    )


# --- the journal ------------------------------------------------------------------------------


@blueprint.get("/journal")
@login_required
def journal():
    return render_template(
        "practice/journal.html",
        entries=queries.journal_of(db.session, current_user),
        enrolments=[
            e
            for e in queries.own_enrolments(db.session, current_user)
            if can(current_user, "journal.write", e)
        ],
    )


def _prompt(enrolment: Enrolment, key: str | None) -> dict:
    prompts = queries.prompts_for(db.session, enrolment)
    return next((p for p in prompts if p["key"] == (key or "")), prompts[0])


@blueprint.route("/journal/new/<int:enrolment_id>", methods=["GET", "POST"])
@login_required
def journal_new(enrolment_id: int):
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not can(current_user, "journal.write", enrolment):
        raise NotFound()
    prompt = _prompt(enrolment, request.args.get("prompt"))
    form = JournalForm()
    while len(form.answers) < len(prompt["headings"]):
        form.answers.append_entry()
    if form.validate_on_submit():
        with form_errors(form, field="title"):
            entry = operations.write_entry(
                db.session,
                enrolment,
                current_user,
                title=form.title.data,
                headings=prompt["headings"],
                answers=[a.data for a in form.answers][: len(prompt["headings"])],
                prompt_key=prompt["key"] or None,
            )
            flash(_("Your entry is saved. Only you can read it."), "success")
            return redirect(url_for("practice.journal_entry", entry_id=entry.id))
    return render_template(
        "practice/journal_form.html",
        form=form,
        prompt=prompt,
        prompts=queries.prompts_for(db.session, enrolment),
        enrolment=enrolment,
        entry=None,
    ), form_status(form)


def _own_entry(entry_id: int):
    return queries.journal_entry(db.session, current_user, entry_id)


@blueprint.route("/journal/<int:entry_id>", methods=["GET", "POST"])
@login_required
def journal_entry(entry_id: int):
    entry = _own_entry(entry_id)
    authorize(current_user, "journal.read", entry)
    headings = list(entry.body)
    form = JournalForm(data={"title": entry.title, "answers": list(entry.body.values())})
    if form.validate_on_submit():
        with form_errors(form, field="title"):
            operations.update_entry(
                db.session,
                entry,
                title=form.title.data,
                answers=[a.data for a in form.answers][: len(headings)],
            )
            flash(_("Your entry is saved."), "success")
            return redirect(request.path)
    return render_template(
        "practice/journal_form.html",
        form=form,
        prompt={"title": entry.title, "headings": headings},
        entry=entry,
        enrolment=None,
        prompts=[],
    ), form_status(form)


@blueprint.route("/journal/<int:entry_id>/evidence", methods=["GET", "POST"])
@login_required
def journal_evidence(entry_id: int):
    """She chooses the entry as evidence: a frozen copy goes to her portfolio."""
    entry = _own_entry(entry_id)
    enrolment = db.session.get(Enrolment, entry.enrolment_id)
    criteria = list(
        db.session.scalars(
            select(AssessmentCriterion)
            .join(CourseUnit, CourseUnit.unit_id == AssessmentCriterion.unit_id)
            .where(CourseUnit.course_id == enrolment.course_id)
            .order_by(CourseUnit.position, AssessmentCriterion.position)
        )
    )
    form = EvidenceForm()
    form.criteria.choices = [(c.id, f"{c.number} {c.text}") for c in criteria]
    if form.validate_on_submit():
        with form_errors(form, field="criteria"):
            operations.entry_as_evidence(db.session, entry, enrolment, form.criteria.data or [])
            flash(
                _(
                    "A copy of this reflection is now evidence in your portfolio. The entry in "
                    "your journal stays private."
                ),
                "success",
            )
            return redirect(url_for("practice.journal_entry", entry_id=entry.id))
    return render_template("practice/journal_evidence.html", entry=entry, form=form), form_status(
        form
    )
