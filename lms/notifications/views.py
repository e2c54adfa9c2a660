"""Each person's list of notifications."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.extensions import db
from lms.notifications import operations
from lms.permissions import authorize
from lms.portfolio.forms import ButtonForm

blueprint = Blueprint("notifications", __name__)


@blueprint.route("/notifications")
@login_required
def index():
    authorize(current_user, "notifications.view")
    return render_template(
        "notifications/index.html",
        notifications=operations.recent(db.session, current_user),
        form=ButtonForm(),
    )


@blueprint.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    authorize(current_user, "notifications.view")
    if ButtonForm().validate_on_submit():
        operations.mark_all_read(db.session, current_user)
    return redirect(url_for("notifications.index"))
