"""What every request shares: extensions, sign-in loading, the actor for audit, security
headers, error pages and template helpers."""

from __future__ import annotations

import inspect
from datetime import timedelta

from flask import Flask, g, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from lms import permissions
from lms.accounts.passwords import configure_hasher
from lms.accounts.sessions import load_session_user
from lms.audit.context import Actor, reset_actor, set_actor
from lms.errors import DomainError, NotFound, PermissionDenied
from lms.extensions import babel, csrf, db, limiter, login_manager, mail
from lms.mail import mail_backend_for

SUPPORTED_LOCALES = ["en"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _select_locale() -> str | None:
    return request.accept_languages.best_match(SUPPORTED_LOCALES)


def init_web(app: Flask) -> None:
    app.config.setdefault("MAIL_BACKEND", mail_backend_for(app.config))
    app.config.setdefault("MAIL_FILE_PATH", app.config["MAIL_OUTBOX_PATH"])
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_DAYS"])

    configure_hasher(
        time_cost=app.config["ARGON2_TIME_COST"], memory_cost=app.config["ARGON2_MEMORY_COST_KIB"]
    )
    db.init_app(app)
    # No async engines are used; flask-sqlalchemy-lite's async teardown would otherwise start
    # an event loop (through asgiref) at the end of every request.
    app.teardown_appcontext_funcs[:] = [
        func for func in app.teardown_appcontext_funcs if not inspect.iscoroutinefunction(func)
    ]
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    # Sessions are checked against the database on every request, so Flask-Login's own
    # IP/agent heuristics add nothing but surprise sign-outs on mobile networks.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(token: str):
        return load_session_user(db.session, token, idle_minutes=app.config["SESSION_IDLE_MINUTES"])

    @app.before_request
    def _identify():
        user_id = current_user.id if current_user.is_authenticated else None
        if db.session.dirty:
            db.session.commit()  # the session's last-seen time, refreshed by the loader
        g.actor_token = set_actor(Actor(user_id, request.remote_addr))

    @app.teardown_request
    def _forget_actor(_exc):
        token = g.pop("actor_token", None)
        if token is not None:
            reset_actor(token)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if current_user and current_user.is_authenticated:
            # Pages about a person's abuse history must not linger in shared caches or history.
            headers.setdefault("Cache-Control", "no-store")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.context_processor
    def _template_helpers():
        return {
            "can": lambda action, target=None: permissions.can(current_user, action, target),
            "quick_exit_url": app.config["QUICK_EXIT_URL"],
        }

    _register_error_pages(app)


ERROR_TEXT = {
    400: ("Something in that request was not right", "Please go back and try again."),
    401: ("Please sign in", "You need to sign in to see this page."),
    403: (
        "You cannot open this page",
        "Your account does not have access to this page. "
        "If you think it should, please ask your coordinator.",
    ),
    404: (
        "Page not found",
        "We could not find that page. It may have moved, or the link may be mistyped.",
    ),
    405: ("That did not work", "This page cannot be used that way."),
    413: (
        "That file is too large",
        "The file you chose is larger than we can accept. "
        "Please choose a smaller file or make it smaller before uploading.",
    ),
    429: (
        "Please wait a moment",
        "There have been too many attempts in a short time. Please wait a minute and try again.",
    ),
    500: (
        "Something went wrong on our side",
        "Nothing you did caused this. Your work up to "
        "your last save is safe. Please try again in a moment.",
    ),
}


def _render_error(status: int, message: str | None = None):
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[500])
    if request.path.startswith("/api/"):
        return {"error": {"status": status, "title": title, "message": message or text}}, status
    return render_template("error.html", status=status, title=title, text=message or text), status


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code in (301, 302, 303, 307, 308):
            return error
        message = None
        if error.code == 400 and "CSRF" in (error.description or ""):
            message = (
                "This form had expired or was sent from somewhere else. "
                "Please go back, reload the page and try again."
            )
        return _render_error(error.code or 500, message)

    @app.errorhandler(PermissionDenied)
    def _forbidden(error):
        db.session.rollback()
        return _render_error(403)

    @app.errorhandler(NotFound)
    def _not_found(error):
        db.session.rollback()
        return _render_error(404)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        db.session.rollback()
        return _render_error(400, error.message)

    if app.testing and not app.config.get("SHOW_ERROR_PAGES"):
        return  # let tests see the real exception

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _render_error(500)
