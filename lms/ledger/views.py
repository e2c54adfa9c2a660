"""An administrator erases a person's personal data, under a retention rule."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.accounts import queries
from lms.extensions import db
from lms.i18n import _
from lms.ledger.erasure import erase_person
from lms.ledger.forms import ErasureForm
from lms.permissions import authorize
from lms.web import form_errors, form_status, organisation_or_404

blueprint = Blueprint("ledger", __name__)


@blueprint.route("/organisations/<slug>/members/<int:user_id>/erase", methods=["GET", "POST"])
@login_required
def erase(slug: str, user_id: int):
    organisation = organisation_or_404(slug, "organisation.manage_members")
    person = queries.member_of(db.session, organisation, user_id)
    authorize(current_user, "person.erase", person)
    form = ErasureForm()
    if form.validate_on_submit():
        with form_errors(form, field="rule"):
            erase_person(
                db.session,
                person,
                current_user,
                form.rule.data,
                secret_key=current_app.config["SECRET_KEY"],
            )
            flash(
                _(
                    "Her personal data has been erased. What must be kept is kept, under a "
                    "pseudonym."
                ),
                "success",
            )
            return redirect(url_for("organisations.members", slug=slug))
    return render_template(
        "ledger/erase.html", organisation=organisation, person=person, form=form
    ), form_status(form)
