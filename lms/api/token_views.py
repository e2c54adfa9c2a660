"""A person's own API tokens, on her account pages: made, listed and revoked."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.accounts.forms import EmptyForm
from lms.api import tokens
from lms.db import utcnow
from lms.extensions import db
from lms.franchise.forms import options
from lms.permissions import can
from lms.web import flashed_errors, form_errors

blueprint = Blueprint("api_tokens", __name__)

EXPIRY_CHOICES = options(
    [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("", "Never")]
)


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        description="What will use it, for example \u201cour case management system\u201d.",
        validators=[DataRequired("Please name the token."), Length(max=tokens.NAME_MAX_LENGTH)],
    )
    membership = SelectField("Acts as", coerce=int)
    expires_in = SelectField("Stops working", choices=EXPIRY_CHOICES, default="90")


def _form() -> TokenForm:
    form = TokenForm()
    form.membership.choices = options(
        (m.id, f"{m.role.label}, {m.organisation.name}")
        for m in current_user.memberships
        if can(current_user, "api_token.create", m)
    )
    return form


def _page(form, *, new_token=None, status=200):
    return render_template(
        "api/tokens.html",
        tokens=tokens.tokens_of(db.session, current_user),
        form=form,
        new_token=new_token,
        button_form=EmptyForm(),
        now=utcnow(),
    ), status


@blueprint.route("/account/api-tokens")
@login_required
def index():
    return _page(_form())


@blueprint.route("/account/api-tokens", methods=["POST"])
@login_required
def create():
    form = _form()
    if form.validate_on_submit():
        membership = next(m for m in current_user.memberships if m.id == form.membership.data)
        days = form.expires_in.data
        expires_at = utcnow() + timedelta(days=int(days)) if days else None
        with form_errors(form, field="name"):
            _, raw = tokens.create_token(
                db.session, current_user, membership, form.name.data, expires_at=expires_at
            )
            # Shown once, in this response only: never in a redirect, the session or a flash.
            return _page(_form(), new_token=raw)
    return _page(form, status=400)


@blueprint.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    token = tokens.token_of(db.session, current_user, token_id)
    with flashed_errors():
        tokens.revoke_token(db.session, token)
        flash(
            f"The token \u201c{token.name}\u201d has been revoked and no longer works.", "success"
        )
    return redirect(url_for("api_tokens.index"))
