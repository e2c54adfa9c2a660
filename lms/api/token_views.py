"""A person's own API tokens, on her account pages: made, listed and revoked."""

from __future__ import annotations

import secrets
from datetime import timedelta

from cryptography.fernet import InvalidToken
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.accounts.forms import EmptyForm
from lms.accounts.models import memberships_of
from lms.api import tokens
from lms.db import utcnow
from lms.extensions import db
from lms.franchise.forms import options
from lms.i18n import _, _l
from lms.permissions import can
from lms.sealing import fernet
from lms.web import flashed_errors, form_errors

blueprint = Blueprint("api_tokens", __name__)

EXPIRY_CHOICES = options(
    [
        ("30", _l("In 30 days")),
        ("90", _l("In 90 days")),
        ("365", _l("In a year")),
        ("", _l("Never")),
    ]
)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("What will use it, for example \u201cour case management system\u201d."),
        validators=[
            DataRequired(_l("Please name the token.")),
            Length(max=tokens.NAME_MAX_LENGTH),
        ],
    )
    membership = SelectField(_l("Acts as"), coerce=int)
    expires_in = SelectField(_l("Stops working"), choices=EXPIRY_CHOICES, default="90")
    # A fresh random key each time the form is shown: sending the same form twice makes one
    # token (see tokens.create_token_once).
    request_key = HiddenField()


_SHOWN_WITHIN_SECONDS = 300
# The session key holding a new token between making it and the page that shows it; the page
# takes it out, so it is shown once and a reload shows only that it was shown.
_JUST_MADE = "api_token_just_made"


def _form() -> TokenForm:
    form = TokenForm()
    if not form.is_submitted():
        form.request_key.data = secrets.token_urlsafe(24)
    form.membership.choices = options(
        (m.id, f"{m.role.label}, {m.organisation.name}")
        for m in memberships_of(current_user)
        if can(current_user, "api_token.create", m)
    )
    return form


def _page(form, *, new_token=None, already_shown=False, status=200):
    return render_template(
        "api/tokens.html",
        tokens=tokens.tokens_of(db.session, current_user),
        form=form,
        new_token=new_token,
        already_shown=already_shown,
        button_form=EmptyForm(),
        now=utcnow(),
    ), status


def _sealer():
    # The session is a signed cookie, readable by whoever holds it: the new token crosses
    # the redirect in it encrypted, and the next page takes it out.
    return fernet(current_app.config["SECRET_KEY"], salt=b"alongside/api", purpose=b"new token")


def _seal(raw: str) -> str:
    return _sealer().encrypt(raw.encode()).decode()


def _unseal(sealed: str | None) -> str | None:
    try:
        return _sealer().decrypt(sealed.encode(), ttl=_SHOWN_WITHIN_SECONDS).decode()
    except (InvalidToken, AttributeError):
        return None


@blueprint.route("/account/api-tokens")
@login_required
def index():
    made = request.args.get("made", type=int)
    just_made = session.pop(_JUST_MADE, None)
    if made is not None and just_made and just_made.get("id") == made:
        return _page(_form(), new_token=_unseal(just_made.get("token")))
    return _page(_form(), already_shown=made is not None)


@blueprint.route("/account/api-tokens", methods=["POST"])
@login_required
def create():
    form = _form()
    if form.validate_on_submit():
        membership = next(m for m in memberships_of(current_user) if m.id == form.membership.data)
        days = form.expires_in.data
        expires_at = utcnow() + timedelta(days=int(days)) if days else None
        with form_errors(form, field="name"):
            token, raw = tokens.create_token_once(
                db.session,
                current_user,
                membership,
                form.name.data,
                expires_at=expires_at,
                request_key=form.request_key.data or secrets.token_urlsafe(24),
            )
            if raw is not None:
                # Held only until the next page takes it out: never in a URL or a flash.
                session[_JUST_MADE] = {"id": token.id, "token": _seal(raw)}
            return redirect(url_for("api_tokens.index", made=token.id))
    return _page(form, status=400)


@blueprint.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    token = tokens.token_of(db.session, current_user, token_id)
    with flashed_errors():
        tokens.revoke_token(db.session, token)
        flash(
            _(
                "The token \u201c%(name)s\u201d has been revoked and no longer works.",
                name=token.name,
            ),
            "success",
        )
    return redirect(url_for("api_tokens.index"))
