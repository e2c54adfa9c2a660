"""Each person's list of notifications, and how she hears of them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.extensions import db
from lms.i18n import _
from lms.notifications import operations
from lms.notifications.forms import ButtonForm, DeliveryForm
from lms.permissions import authorize
from lms.web import form_status

blueprint = Blueprint("notifications", __name__)


@blueprint.app_template_global("unread_notifications")
def unread_notifications() -> int:
    """How many of her notifications are unread (for the header's link)."""
    if not current_user.is_authenticated:
        return 0
    return operations.unread_count(db.session, current_user)


@blueprint.app_template_global("delivery_form")
def delivery_form() -> DeliveryForm:
    """Her choice of e-mails, as a form for the account page's section."""
    return DeliveryForm(delivery=operations.delivery_for(db.session, current_user).value)


@blueprint.route("/notifications")
@login_required
def index():
    authorize(current_user, "notifications.view")
    return render_template(
        "notifications/index.html",
        notifications=operations.recent(db.session, current_user),
        text_of=operations.text_of,
        form=ButtonForm(),
    )


@blueprint.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    authorize(current_user, "notifications.view")
    if ButtonForm().validate_on_submit():
        operations.mark_all_read(db.session, current_user)
        flash(_("Everything is marked as read."), "success")
    return redirect(url_for("notifications.index"))


@blueprint.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_one_read(notification_id: int):
    authorize(current_user, "notifications.view")
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    if not operations.mark_read(db.session, current_user, notification_id):
        abort(404)
    return redirect(url_for("notifications.index", _anchor=f"notification-{notification_id}"))


@blueprint.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    authorize(current_user, "notifications.view")
    form = DeliveryForm()
    if form.validate_on_submit():
        operations.set_delivery(db.session, current_user, form.delivery.data)
        flash(_("Your choice is saved."), "success")
        return redirect(url_for("notifications.settings"))
    if not form.is_submitted():
        form.delivery.data = operations.delivery_for(db.session, current_user).value
    return render_template("notifications/settings.html", form=form), form_status(form)
