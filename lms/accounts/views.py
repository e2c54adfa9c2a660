"""Signing in and out, password reset and change, and one's own account."""

from __future__ import annotations

from datetime import datetime, timedelta
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

from lms.accounts import authentication, second_step, sessions, throttle
from lms.accounts.forms import (
    ChangePasswordForm,
    ConfirmSecondStepForm,
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SecondStepForm,
    TurnOffSecondStepForm,
)
from lms.accounts.invitations import send_password_reset
from lms.accounts.models import User
from lms.audit.operations import record
from lms.db import utcnow
from lms.errors import DomainError, PermissionDenied
from lms.extensions import db, limiter
from lms.i18n import _, current_language
from lms.web import (
    flashed_errors,
    form_errors,
    form_status,
    keep_changes,
    send_mail_after_response,
)

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


def _policy() -> throttle.Policy:
    return throttle.policy_from_config(current_app.config)


# How long the second step waits for her code after her password was right.
SECOND_STEP_MINUTES = 5
_PENDING = "second_step"


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        with form_errors(form, field="password", keep=True) as outcome:
            user = authentication.authenticate(
                db.session,
                form.email.data,
                form.password.data,
                address=request.remote_addr,
                policy=_policy(),
            )
            return _after_password(user, remember=form.remember.data)
        if outcome.failed:
            keep_changes()  # a failed sign-in counts (and is audited) although it is an error
    return render_template("accounts/login.html", form=form), form_status(form)


def _after_password(user: User, *, remember: bool):
    target = _safe_next(request.args.get("next"))
    if not second_step.is_on(user):
        begin_session(user, remember=remember)
        authentication.signed_in(db.session, user, language=current_language().code)
        return redirect(target)
    session.clear()
    session[_PENDING] = {
        "user": user.id,
        "epoch": user.credentials_epoch,
        "at": utcnow().isoformat(),
        "remember": bool(remember),
        "next": target,
    }
    return redirect(url_for("accounts.second_step_sign_in"))


def _pending_user() -> tuple[User, dict] | None:
    """Whose password was right in this browser moments ago, waiting for her second step."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict):
        return None
    started = datetime.fromisoformat(pending.get("at", "2000-01-01T00:00:00+00:00"))
    user = db.session.get(User, pending.get("user"))
    fresh = utcnow() - started < timedelta(minutes=SECOND_STEP_MINUTES)
    if user is None or not fresh or user.is_disabled or not second_step.is_on(user):
        return None
    if user.credentials_epoch != pending.get("epoch"):
        return None
    return user, pending


@blueprint.route("/login/second-step", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def second_step_sign_in():
    found = _pending_user()
    if found is None:
        session.pop(_PENDING, None)
        return render_template(
            "accounts/message.html",
            title=_("Please sign in again"),
            sign_in=True,
            text=_(
                "This step follows signing in with your password, and waits only a few "
                "minutes. Please sign in again."
            ),
        ), 400
    user, pending = found
    form = SecondStepForm()
    if form.validate_on_submit():
        with form_errors(form, field="code", keep=True) as outcome:
            second_step.verify(
                db.session, user, form.code.data, address=request.remote_addr, policy=_policy()
            )
            begin_session(user, remember=pending.get("remember", False))
            authentication.signed_in(db.session, user, language=current_language().code)
            return redirect(_safe_next(pending.get("next")))
        if outcome.failed:
            keep_changes()  # a wrong code counts, like a wrong password
    return render_template("accounts/second_step.html", form=form), form_status(form)


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    if token := current_user.get_id():
        sessions.revoke_session(db.session, token)
    record(db.session, "logout", obj=current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("accounts.login"))


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        send_password_reset(db.session, form.email.data)
        # The same answer either way, as quick either way: this page must not reveal who has
        # an account.
        send_mail_after_response()
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
            authentication.complete_reset(db.session, user, form.password.data)
            logout_user()
            flash(_("Your password is set. Please sign in with it."), "success")
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
        second_step_on=second_step.is_on(current_user),
        may_use_second_step=second_step.may_use(current_user),
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
                _("Your password has been changed. You have been signed out everywhere else."),
                "success",
            )
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form), form_status(form)


@blueprint.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    authentication.sign_out_everywhere(
        db.session, current_user._get_current_object(), except_token=current_user.get_id()
    )
    flash(
        _(
            "You have been signed out on every other device, and your API tokens have "
            "stopped working."
        ),
        "success",
    )
    return redirect(url_for("accounts.account"))


# --- the second step: setting it up, turning it off -------------------------------------------


def _environment() -> str:
    return current_app.config["ENVIRONMENT"]


def _may_use_second_step():
    if not second_step.may_use(current_user):
        raise PermissionDenied()
    return current_user._get_current_object()


@blueprint.route("/account/second-step")
@login_required
def second_step_settings():
    user = _may_use_second_step()
    setting_up = user.totp_secret is not None and not second_step.is_on(user)
    return render_template(
        "accounts/second_step_settings.html",
        on=second_step.is_on(user),
        required=second_step.required_for(user, _environment()),
        setting_up=setting_up,
        qr_code=second_step.qr_code_svg(user) if setting_up else None,
        secret=second_step.grouped(user.totp_secret) if setting_up else None,
        codes_left=second_step.recovery_codes_left(db.session, user),
        confirm_form=ConfirmSecondStepForm(),
        off_form=TurnOffSecondStepForm(),
        button_form=EmptyForm(),
    )


@blueprint.route("/account/second-step/start", methods=["POST"])
@login_required
def second_step_start():
    user = _may_use_second_step()
    if EmptyForm().validate_on_submit():
        with flashed_errors():
            second_step.start_setup(db.session, user)
    return redirect(url_for("accounts.second_step_settings"))


@blueprint.route("/account/second-step/confirm", methods=["POST"])
@login_required
def second_step_confirm():
    user = _may_use_second_step()
    form = ConfirmSecondStepForm()
    if form.validate_on_submit():
        with form_errors(form, field="code"):
            codes = second_step.confirm_setup(db.session, user, form.code.data)
            # Shown once, in this answer only: never in a redirect, the session or a flash.
            return render_template("accounts/recovery_codes.html", codes=codes)
    flash(form.code.errors[0] if form.code.errors else _("Please try again."), "error")
    return redirect(url_for("accounts.second_step_settings"))


@blueprint.route("/account/second-step/recovery-codes", methods=["POST"])
@login_required
def second_step_new_codes():
    user = _may_use_second_step()
    if EmptyForm().validate_on_submit() and second_step.is_on(user):
        codes = second_step.new_recovery_codes(db.session, user)
        record(db.session, "second_step.recovery_codes_made", obj=user)
        return render_template("accounts/recovery_codes.html", codes=codes)
    return redirect(url_for("accounts.second_step_settings"))


@blueprint.route("/account/second-step/off", methods=["POST"])
@login_required
def second_step_off():
    user = _may_use_second_step()
    form = TurnOffSecondStepForm()
    if form.validate_on_submit():
        with flashed_errors():
            second_step.turn_off(db.session, user, form.password.data, environment=_environment())
            flash(_("The second step is off for your account."), "success")
    return redirect(url_for("accounts.second_step_settings"))


# What an administrator who must set up her second step may still open.
_BEFORE_SECOND_STEP = frozenset(
    {
        "accounts.second_step_settings",
        "accounts.second_step_start",
        "accounts.second_step_confirm",
        "accounts.logout",
        "static",
        "core.healthz",
    }
)


@blueprint.before_app_request
def _administrators_set_up_their_second_step():
    """In production an administrator uses nothing else before her second step is on."""
    if request.endpoint in _BEFORE_SECOND_STEP or request.path.startswith("/api/"):
        return None
    if not current_user.is_authenticated or not isinstance(
        current_user._get_current_object(), User
    ):
        return None
    user = current_user._get_current_object()
    if second_step.required_for(user, _environment()) and not second_step.is_on(user):
        flash(_("Before anything else, please set up the second step for signing in."), "info")
        return redirect(url_for("accounts.second_step_settings"))
    return None
