"""Signing in and out, password reset and change, and one's own account."""

from __future__ import annotations

from urllib.parse import urlsplit

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
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import authentication, sessions
from lms.accounts.forms import (
    ChangePasswordForm,
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from lms.accounts.invitations import send_password_reset
from lms.audit.operations import record
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.web import form_errors, form_status, keep_changes

blueprint = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a link pose as the sign-in page.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("core.home")


def begin_session(user, *, remember: bool) -> None:
    """Start a server-side session for `user` in this browser."""
    config = current_app.config
    session.clear()  # a fresh cookie at every sign-in: no session fixation
    sessions.start_session(
        db.session,
        user,
        remember=remember,
        idle_minutes=config["SESSION_IDLE_MINUTES"],
        remember_days=config["REMEMBER_DAYS"],
        ip_address=request.remote_addr,
        user_agent=request.user_agent.string,
    )
    login_user(user, remember=remember)


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        with form_errors(form, field="password", keep=True) as outcome:
            user = authentication.authenticate(
                db.session,
                form.email.data,
                form.password.data,
                max_failures=config["LOGIN_MAX_FAILURES"],
                lockout_minutes=config["LOGIN_LOCKOUT_MINUTES"],
            )
            begin_session(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        if outcome.failed:
            keep_changes()  # a failed sign-in counts against the account, and is audited
    return render_template("accounts/login.html", form=form), form_status(form)


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    if token := current_user.get_id():
        sessions.revoke_session(db.session, token)
    record(db.session, "logout", obj=current_user)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.login"))


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        send_password_reset(db.session, form.email.data)
        # The same answer either way: this page must not reveal who has an account.
        return render_template("accounts/forgot_sent.html", email=form.email.data)
    return render_template("accounts/forgot.html", form=form)


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    config = current_app.config
    form = ResetPasswordForm()
    try:
        user = authentication.user_for_reset_token(
            db.session, config["SECRET_KEY"], token, max_age_hours=config["PASSWORD_RESET_HOURS"]
        )
    except DomainError as error:
        return render_template("accounts/reset_invalid.html", message=error.message), 400
    if form.validate_on_submit():
        with form_errors(form, field="password"):
            authentication.set_password(
                db.session, user, form.password.data, reason="password reset"
            )
            logout_user()
            flash("Your password is set. Please sign in with it.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, user=user), form_status(form)


@blueprint.route("/account")
@login_required
def account():
    return render_template(
        "accounts/account.html",
        sessions=sessions.active_sessions(db.session, current_user),
        current_token=current_user.get_id(),
        is_current=sessions.is_current,
        form=EmptyForm(),
    )


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with form_errors(form, field="password"):
            authentication.change_password(
                db.session, current_user, form.current_password.data, form.password.data
            )
            # Every other session has ended; this browser continues with a fresh one.
            begin_session(current_user._get_current_object(), remember=False)
            flash(
                "Your password has been changed. You have been signed out everywhere else.",
                "success",
            )
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form), form_status(form)


@blueprint.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    count = sessions.revoke_all_sessions(
        db.session, current_user, reason="signed out everywhere", except_token=current_user.get_id()
    )
    record(db.session, "sessions.revoked", obj=current_user, count=count)
    flash("You have been signed out on every other device.", "success")
    return redirect(url_for("accounts.account"))
