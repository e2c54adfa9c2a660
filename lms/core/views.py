from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import text

from lms.accounts.forms import LoginForm
from lms.core import settings
from lms.core.forms import LanguageForm, TimeZoneForm
from lms.core.home import sections_for
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import LANGUAGE_COOKIE, _, refresh_language
from lms.web import form_errors, form_status, organisation_or_404, same_site_path

blueprint = Blueprint("core", __name__)

LANGUAGE_COOKIE_DAYS = 365


@blueprint.route("/")
def home():
    if not current_user.is_authenticated:
        # The sign-in page itself, saying nothing of what the site is about: it is what Back
        # shows after the quick exit, and what anyone looking over a shoulder sees first.
        return render_template("accounts/login.html", form=LoginForm())
    # The person herself, not the `current_user` proxy that finds her again on every read:
    # the sections ask about her a few dozen times.
    return render_template(
        "core/home.html", sections=sections_for(current_user._get_current_object())
    )


@blueprint.route("/language", methods=["POST"])
def set_language():
    """The language menu (on every page, signed in or not): kept in a cookie for this
    browser, and with her account when she is signed in. Back to the page it was sent from,
    when that is a page of this site."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    code = form.language.data
    if current_user.is_authenticated:
        settings.set_language(db.session, current_user._get_current_object(), code)
    refresh_language(code)
    flash(_("The language has been changed."), "success")
    response = redirect(same_site_path(form.next.data) or url_for("core.home"), 303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=LANGUAGE_COOKIE_DAYS * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@blueprint.route("/organisations/<slug>/time-zone", methods=["GET", "POST"])
@login_required
def time_zone(slug: str):
    organisation = organisation_or_404(slug, "organisation.settings")
    form = TimeZoneForm(obj=organisation, current=organisation.time_zone)
    if form.validate_on_submit():
        with form_errors(form, field="time_zone"):
            settings.set_time_zone(db.session, organisation, form.time_zone.data)
            flash(_("The time zone has been saved."), "success")
            return redirect(url_for("core.time_zone", slug=organisation.slug))
    return render_template(
        "core/time_zone.html", organisation=organisation, form=form, now=utcnow()
    ), form_status(form)


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
