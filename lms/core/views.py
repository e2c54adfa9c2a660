from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from lms.accounts.forms import LoginForm
from lms.core.home import sections_for
from lms.extensions import db

blueprint = Blueprint("core", __name__)


@blueprint.route("/")
def home():
    if not current_user.is_authenticated:
        # The sign-in page itself, saying nothing of what the site is about: it is what Back
        # shows after the quick exit, and what anyone looking over a shoulder sees first.
        return render_template("accounts/login.html", form=LoginForm())
    return render_template("core/home.html", sections=sections_for(current_user))


@blueprint.route("/favicon.ico")
def favicon():
    # Browsers ask for this address whatever the page says (for a download, say).
    return redirect(url_for("static", filename="favicon.svg"), 301)


@blueprint.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:
        return {"status": "error", "database": "unavailable", "detail": type(error).__name__}, 503
    return {"status": "ok", "database": "ok", "dialect": db.engine.dialect.name}
