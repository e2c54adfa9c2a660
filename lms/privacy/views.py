"""A person's own information and her download of it, who has looked at her work, the quick
exit, help with private browsing, and an organisation's privacy settings."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import ValidationError, validate_csrf

from lms.db import utcnow
from lms.extensions import csrf, db
from lms.i18n import _, format_datetime
from lms.permissions import authorize
from lms.privacy import archive, operations, queries
from lms.privacy.forms import PrivacySettingsForm
from lms.privacy.titles import page_title, wants_neutral_titles
from lms.web import organisation_or_404

blueprint = Blueprint("privacy", __name__)


@blueprint.app_context_processor
def _privacy_helpers():
    return {
        "page_title": lambda own_title: page_title(current_user, own_title),
        "neutral_view": lambda: (
            not current_user.is_authenticated or wants_neutral_titles(current_user)
        ),
    }


@blueprint.app_template_filter("local_time")
def _local_time(moment: datetime | None) -> str:
    """A moment in the reader's language and time zone, the zone named (lms.i18n):
    "7 December 2026, 14:05 GMT"."""
    return format_datetime(moment)


@blueprint.route("/my/information")
@login_required
def your_information():
    authorize(current_user, "privacy.own_information")
    return render_template("privacy/your_information.html")


@blueprint.route("/my/information/download")
@login_required
def download():
    authorize(current_user, "privacy.own_information")
    # The audit entry is committed with the request, before the archive is sent.
    handle, filename = archive.build_archive(db.session, current_user, today=utcnow().date())
    response = send_file(
        handle, mimetype="application/zip", as_attachment=True, download_name=filename, max_age=0
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/my/information/looks")
@login_required
def looks():
    authorize(current_user, "privacy.own_information")
    return render_template(
        "privacy/looks.html", looks=queries.looks_at_work_of(db.session, current_user)
    )


@blueprint.route("/help/private-browsing")
def private_browsing():
    return render_template("privacy/private_browsing.html")


def _sent_from_this_site() -> bool:
    """The form's token, or else the browser's word that the request came from this site.
    A token that expired while a page stayed open must not stop a quick exit, so the
    `Origin` (or `Sec-Fetch-Site`) header, which a browser never lets another site forge,
    is enough without it."""
    try:
        validate_csrf(request.form.get("csrf_token"))
        return True
    except ValidationError:
        pass
    origin = request.headers.get("Origin")
    if origin:
        return origin == request.host_url.rstrip("/")
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


@blueprint.route("/leave", methods=["POST"])
@csrf.exempt  # checked in `_sent_from_this_site`, in a way that never expires
def quick_exit():
    """End this browser's session on the server and go to the neutral site. The page's
    script sends this in the background and replaces the page itself; without script, this
    answer takes the browser there."""
    if current_user.is_authenticated and _sent_from_this_site():
        operations.end_session_quickly(db.session, current_user, current_user.get_id())
        logout_user()
        session.clear()
    return redirect(current_app.config["QUICK_EXIT_URL"], code=303)


@blueprint.route("/organisations/<slug>/privacy", methods=["GET", "POST"])
@login_required
def organisation_settings(slug: str):
    organisation = organisation_or_404(slug, "privacy.settings")
    form = PrivacySettingsForm(obj=organisation)
    if form.validate_on_submit():
        operations.set_neutral_page_titles(
            db.session, organisation, bool(form.neutral_page_titles.data)
        )
        flash(_("The privacy settings have been saved."), "success")
        return redirect(url_for("privacy.organisation_settings", slug=organisation.slug))
    return render_template(
        "privacy/organisation_settings.html", organisation=organisation, form=form
    )
