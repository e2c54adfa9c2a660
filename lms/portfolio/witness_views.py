"""Witness testimony: asking a witness to confirm a statement, and the witness's page.

The witness's page needs no sign-in: its link's token is the only key. It shows the statement
and the witness's own name; nothing else about the trainee or what the site is for."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts.models import User
from lms.extensions import db, limiter
from lms.i18n import _
from lms.permissions import authorize
from lms.portfolio import queries, witnesses
from lms.portfolio.forms import WitnessAnswerForm, WitnessForm
from lms.web import form_errors, form_status

blueprint = Blueprint("witness", __name__)


@blueprint.route(
    "/portfolio/<int:enrolment_id>/evidence/<int:evidence_id>/witness", methods=["GET", "POST"]
)
@login_required
def ask(enrolment_id: int, evidence_id: int):
    enrolment = queries.enrolment_for(db.session, current_user, enrolment_id)
    item = queries.evidence_in(db.session, enrolment, evidence_id)
    authorize(current_user, "portfolio.ask_witness", item)
    form = WitnessForm()
    if form.validate_on_submit():
        with form_errors(form, field="email"):
            witnesses.ask_witness(
                db.session,
                item,
                current_user,
                name=form.name.data,
                role=form.role.data,
                email=form.email.data,
                trainee_name=db.session.get(User, enrolment.user_id).display_name,
            )
            flash(_("We have e-mailed the witness a link to confirm the statement."), "success")
            return redirect(
                url_for("portfolio.evidence", enrolment_id=enrolment.id, evidence_id=item.id)
            )
    return render_template(
        "portfolio/witness_ask.html", form=form, enrolment=enrolment, evidence=item
    ), form_status(form)


def _token_key() -> str:
    # Limited per link, never per address: the witness's address is not read or kept.
    return "witness:" + witnesses.token_hash(request.view_args.get("token", ""))


@blueprint.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", key_func=_token_key, methods=["POST"])
@limiter.limit("120 per hour", key_func=_token_key, methods=["GET"])
def confirm(token: str):
    statement = witnesses.statement_for_token(db.session, token)
    if statement is None:
        return render_template("portfolio/witness_unknown.html"), 404
    form = WitnessAnswerForm()
    if form.validate_on_submit():
        with form_errors(form, field="note"):
            witnesses.answer(
                db.session, statement, confirmed=form.answer.data == "yes", note=form.note.data
            )
            return redirect(url_for("witness.thanks"))
    return render_template(
        "portfolio/witness_confirm.html",
        form=form,
        statement=statement,
        trainee_name=witnesses.trainee_name(db.session, statement),
    ), form_status(form)


@blueprint.route("/s/thanks")
def thanks():
    return render_template("portfolio/witness_thanks.html")
