"""What every request shares: extensions, sign-in loading, the actor for audit, the one
transaction boundary, security headers, error pages and the helpers views share.

A request commits in exactly one place, `_finish_transaction`: a response under 400 commits
what the view's domain calls flushed, anything else rolls back, and mail the request put in
the outbox is sent only after the commit. Views never commit or roll back themselves.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, flash, g, has_request_context, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import event, select
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from lms import i18n, permissions
from lms.accounts.models import Organisation
from lms.accounts.passwords import configure_hasher
from lms.accounts.queries import organisation_for
from lms.accounts.sessions import load_session_user
from lms.audit.context import Actor, reset_actor, set_actor
from lms.errors import DomainError, NotFound, PermissionDenied
from lms.extensions import csrf, db, limiter, login_manager, mail
from lms.i18n import _, _l
from lms.mail.backends import mail_backend_for
from lms.mail.outbox import take_enqueued_ids
from lms.notifications import operations as notifications
from lms.shared import ring, warn_if_not_shared

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


# Ids are SQL INTEGER columns (32-bit on PostgreSQL): a larger number in a URL cannot name
# anything, and handing it to the database would be an overflow error, not "not found".
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` that answers 404, not a database overflow, for numbers beyond any id."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_web(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    if proxies := app.config.get("PROXY_COUNT", 0):
        # The client's own address (and scheme) as the trusted proxies pass it on.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    _init_route_for_logs(app)
    _init_extensions(app)
    _init_statement_count(app)
    _init_sign_in(app)
    _init_transaction_boundary(app)
    _init_security_headers(app)
    _init_templates(app)
    _register_error_pages(app)


def load_before_fork(app: Flask) -> None:
    """What each server worker would otherwise load for itself on its first requests, loaded
    once in the master before the workers are forked (deploy/gunicorn.conf.py), so they share
    it: every page and message template compiled, and each language's catalogue and Babel's
    date and number data for it."""
    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith((".html", ".txt"))):
        app.jinja_env.get_template(name)
    with app.test_request_context():
        for language in i18n.LANGUAGES:
            with force_locale(language.locale):
                i18n.format_datetime(datetime(2026, 1, 1, tzinfo=UTC), "long")
                i18n.format_decimal(1234.5)
                i18n.ngettext("%(num)d day", "%(num)d days", 2)


def route_for_logs() -> str:
    """The pattern of the route this request matched (`/s/<token>`), or "-": what logs name
    instead of the address, which may carry a secret (witness, survey, invitation, joining and
    password links) in its path or query string."""
    rule = request.url_rule if has_request_context() else None
    return rule.rule if rule is not None else "-"


def _init_route_for_logs(app: Flask) -> None:
    @app.before_request
    def _note_route():
        # Read by the server's access log (deploy/gunicorn.conf.py), never the path itself.
        request.environ["alongside.route"] = route_for_logs()


def _init_statement_count(app: Flask) -> None:
    """`make bench` only (COUNT_STATEMENTS, set by bench/wsgi.py, never read from the
    environment): the number of SQL statements a request sent, in an `X-Statement-Count`
    header. A streamed response counts what was sent before its first byte."""
    if not app.config.get("COUNT_STATEMENTS"):
        return
    if app.config["ENVIRONMENT"] == "production":
        raise RuntimeError("COUNT_STATEMENTS is for the benchmark, never for production.")

    def _count(*_args):
        if has_request_context():
            g.statement_count = g.get("statement_count", 0) + 1

    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "before_cursor_execute", _count)

    @app.after_request  # registered before the commit's hook, so it runs after it
    def _statement_count(response):
        response.headers["X-Statement-Count"] = str(g.get("statement_count", 0))
        return response


def _init_extensions(app: Flask) -> None:
    app.config.setdefault("MAIL_BACKEND", mail_backend_for(app.config))
    app.config.setdefault("MAIL_FILE_PATH", app.config["MAIL_OUTBOX_PATH"])
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_DAYS"])

    configure_hasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST_KIB"],
        parallelism=app.config.get("ARGON2_PARALLELISM", 1),
    )
    db.init_app(app)
    # No async engines are used; flask-sqlalchemy-lite's async teardown would otherwise start
    # an event loop (through asgiref) at the end of every request.
    app.teardown_appcontext_funcs[:] = [
        func for func in app.teardown_appcontext_funcs if not inspect.iscoroutinefunction(func)
    ]
    csrf.init_app(app)
    i18n.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    warn_if_not_shared(app)


def _init_sign_in(app: Flask) -> None:
    """Server-side sessions, and the actor every audit entry of the request names."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.localize_callback = str  # translated when flashed, in the reader's language
    login_manager.login_message_category = "info"
    # Sessions are checked against the database on every request, so Flask-Login's own
    # IP/agent heuristics add nothing but surprise sign-outs on mobile networks.
    login_manager.session_protection = None

    def _touch_in_own_transaction(statement) -> None:
        with db.engine.begin() as connection:
            connection.execute(statement)

    @login_manager.user_loader
    def load_user(token: str):
        return load_session_user(
            db.session,
            token,
            idle_minutes=app.config["SESSION_IDLE_MINUTES"],
            touch=_touch_in_own_transaction,
            # The header's count of her unread notifications, read with her session.
            figures={notifications.UNREAD: notifications.unread_count_of},
        )

    @app.before_request
    def _identify():
        user_id = current_user.id if current_user.is_authenticated else None
        g.actor_token = set_actor(Actor(user_id, request.remote_addr))

    @app.teardown_request
    def _forget_actor(_exc):
        token = g.pop("actor_token", None)
        if token is not None:
            reset_actor(token)


def _init_transaction_boundary(app: Flask) -> None:
    """The one place a request's changes are committed or rolled back."""

    @app.after_request
    def _finish_transaction(response):
        if response.status_code >= 400 and not g.get("keep_changes"):
            db.session.rollback()
            take_enqueued_ids(db.session)
            return response
        # A streamed response (an export) still reads what the view loaded; expiring it
        # at the commit would make those objects reload after the session has closed.
        db.session.expire_on_commit = False
        db.session.commit()
        if ids := take_enqueued_ids(db.session):
            if g.get("mail_after_response"):
                response.call_on_close(lambda: _send_in_own_context(app, ids))
            else:
                _send_after_commit(app, ids)
        return response


def _init_security_headers(app: Flask) -> None:
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


def _init_templates(app: Flask) -> None:
    @app.context_processor
    def _template_helpers():
        return {
            "can": lambda action, target=None: permissions.can(current_user, action, target),
            "quick_exit_url": app.config["QUICK_EXIT_URL"],
            "url_template": url_template,
        }


# Stand-ins for the ids of `url_template`: numbers no row has, each written once in the URL.
_STAND_INS = (987654321, 987654322, 987654323)


def url_template(endpoint: str, *names: str, **values):
    """A function of the ids named `names` that gives `url_for(endpoint, ...)` for them,
    built with one `url_for` call: for lists of hundreds of rows, whose links differ only by
    their ids. `values` are the arguments every link shares."""
    stand_ins = dict(zip(names, _STAND_INS, strict=False))
    built = url_for(endpoint, **values, **stand_ins)
    if any(built.count(str(number)) != 1 for number in stand_ins.values()):
        return lambda *ids: url_for(endpoint, **values, **dict(zip(names, ids, strict=True)))

    def url(*ids: int) -> str:
        result = built
        for number, value in zip(stand_ins.values(), ids, strict=True):
            result = result.replace(str(number), str(int(value)))
        return result

    return url


def _send_after_commit(app: Flask, ids: list[int]) -> None:
    """Send what this request put in the outbox; a failure is recorded on the message and
    retried later by `flask --app app mail send`, never shown to the person. With Redis the
    ids go on the outbox's queue instead, for the senders (lms.shared)."""
    from lms.mail.sender import send_due

    if ring(ids, app) or not app.config["MAIL_SEND_AFTER_REQUEST"]:
        return
    # A large import leaves most of its invitations to `mail send`: a person waits for the
    # page, not for a mail server.
    try:
        send_due(db.session, ids=ids[: app.config["MAIL_SEND_AFTER_REQUEST_LIMIT"]])
    except Exception:
        db.session.rollback()
        app.logger.exception("The outbox could not be sent after the request; it will be retried")


def _send_in_own_context(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        _send_after_commit(app, ids)
        db.session.close()


def send_mail_after_response() -> None:
    """Send this request's mail only once its answer has gone, so that how long the answer
    took cannot tell whether a message was sent (the password reset page must not reveal
    whether an address has an account)."""
    g.mail_after_response = True


def keep_changes() -> None:
    """Commit this request's changes even though its answer is an error status (a failed
    sign-in must still be counted, and audited)."""
    g.keep_changes = True


# --- helpers views share ------------------------------------------------------------------------

Model = TypeVar("Model")


def load_or_404(
    model: type[Model],
    ident: int,
    action: str | None = None,
    *,
    organisation_id: int | None = None,
    options: tuple = (),
) -> Model:
    """The `model` row `ident`, loaded through its organisation when one is given and
    authorised for `action`. Anything the person may not see is "not found", exactly like
    an id that does not exist: an answer must never confirm that another organisation's
    record is there."""
    statement = select(model).where(model.id == ident).options(*options)
    if organisation_id is not None:
        statement = statement.where(model.organisation_id == organisation_id)
    found = db.session.scalar(statement)
    if found is None or (action is not None and not permissions.can(current_user, action, found)):
        raise NotFound()
    return found


def organisation_or_404(slug: str, action: str) -> Organisation:
    """The organisation at `slug`, authorised for `action`: like `load_or_404`, one the
    person may not act for is "not found", exactly like a slug that names none."""
    return organisation_for(db.session, current_user, slug, action)


def same_site_path(target: str | None) -> str | None:
    """`target` when it is a path on this site (`/account?tab=1`), else None: a link must
    never send someone elsewhere through one of our redirects."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None  # browsers read a backslash as a slash
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def show_on_form(form, error: DomainError, field: str | None = None) -> None:
    """Put a domain error beside the field it is about (`error.field`), else beside `field`,
    else the form's first visible field, where the error summary links to it."""
    fields = form._fields
    name = error.field if error.field in fields else field
    if name not in fields:
        name = next(
            (n for n, f in fields.items() if f.type not in ("CSRFTokenField", "HiddenField")),
            None,
        )
    target = fields[name]
    target.errors = [*target.errors, error.message]


@dataclass
class Outcome:
    """What `form_errors` / `flashed_errors` caught: the error, or None when all went well."""

    error: DomainError | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def _catch(outcome: Outcome, error: DomainError, *, keep: bool) -> None:
    if isinstance(error, PermissionDenied | NotFound):
        raise error
    if not keep:
        db.session.rollback()
    outcome.error = error


@contextmanager
def form_errors(form, *, field: str | None = None, keep: bool = False) -> Iterator[Outcome]:
    """Run the domain call inside; a DomainError is shown on the form and what the call
    changed is rolled back (kept, with `keep`), and the view goes on to show the form again.

        with form_errors(form, field="title"):
            operations.rename(db.session, thing, form.title.data)
            return redirect(...)
        return render_template(..., form=form), 400
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        _catch(outcome, error, keep=keep)
        show_on_form(form, error, field)


@contextmanager
def flashed_errors() -> Iterator[Outcome]:
    """Like `form_errors` for buttons that have no fields: the message is flashed instead."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        _catch(outcome, error, keep=False)
        flash(error.message, "error")


def form_status(form) -> int:
    """400 when a posted form is shown again with errors, else 200."""
    return 400 if request.method == "POST" and form.errors else 200


ERROR_TEXT = {
    400: (_l("Something in that request was not right"), _l("Please go back and try again.")),
    401: (_l("Please sign in"), _l("You need to sign in to see this page.")),
    403: (
        _l("You cannot open this page"),
        _l(
            "Your account does not have access to this page. "
            "If you think it should, please ask your coordinator."
        ),
    ),
    404: (
        _l("Page not found"),
        _l("We could not find that page. It may have moved, or the link may be mistyped."),
    ),
    405: (_l("That did not work"), _l("This page cannot be used that way.")),
    413: (
        _l("That file is too large"),
        _l(
            "The file you chose is larger than we can accept. "
            "Please choose a smaller file or make it smaller before uploading."
        ),
    ),
    429: (
        _l("Please wait a moment"),
        _l(
            "There have been too many attempts in a short time. Please wait a minute and try again."
        ),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "Nothing you did caused this. Your work up to "
            "your last save is safe. Please try again in a moment."
        ),
    ),
}


def _render_error(status: int, message: str | None = None):
    title, text = (str(part) for part in ERROR_TEXT.get(status, ERROR_TEXT[500]))
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
            message = _(
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
        app.logger.exception("Unhandled error on %s %s", request.method, route_for_logs())
        return _render_error(500)
