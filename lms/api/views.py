"""The partners' JSON API, version 1, under /api/v1. Described by /api/v1/openapi.json.

Requests are authenticated only by a personal access token (`Authorization: Bearer ...`);
session cookies are ignored here, so a request from another site cannot ride on a signed-in
browser, and these routes need no CSRF token. Each request acts as the token's owner holding
only the token's role in the token's organisation (`TokenPrincipal`).
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from lms.accounts.models import Organisation
from lms.api import records, tokens
from lms.api.openapi import openapi_document
from lms.audit.context import Actor, reset_actor, set_actor
from lms.db import utcnow
from lms.errors import Conflict, DomainError, NotFound, PermissionDenied
from lms.extensions import csrf, db
from lms.franchise import enrolment
from lms.franchise.csv_import import ImportRejected
from lms.permissions import authorize

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)

MAX_ENROL_ITEMS = 100
TITLES = {
    400: "Bad request",
    401: "Unauthorised",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Unprocessable content",
}


def error_response(status: int, message: str, *, problems=None, headers=None):
    body = {"error": {"status": status, "title": TITLES.get(status, "Error"), "message": message}}
    if problems is not None:
        body["error"]["problems"] = problems
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


class Unauthorised(Exception):
    def __init__(self, message: str):
        self.message = message


def _touch_in_own_transaction(statement) -> None:
    with db.engine.begin() as connection:
        connection.execute(statement)


@blueprint.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorised(
            "Send a personal access token as `Authorization: Bearer <token>`. "
            "Tokens are made on your account page."
        )
    found = tokens.authenticate(db.session, raw.strip(), utcnow(), touch=_touch_in_own_transaction)
    if found is None:
        raise Unauthorised("This token is not valid: it may be mistyped, expired or revoked.")
    token, user, membership = found
    g.api_token = token
    g.principal = tokens.TokenPrincipal(user, membership)
    g.api_actor_token = set_actor(Actor(user.id, request.remote_addr))
    return None


@blueprint.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.teardown_request
def _forget_api_actor(_exc):
    token = g.pop("api_actor_token", None)
    if token is not None:
        reset_actor(token)


@blueprint.errorhandler(Unauthorised)
def _unauthorised(error: Unauthorised):
    return error_response(401, error.message, headers={"WWW-Authenticate": 'Bearer realm="api"'})


# Every error answer is 400 or more, so the request's changes are rolled back (lms.web).


@blueprint.errorhandler(PermissionDenied)
def _forbidden(error: PermissionDenied):
    return error_response(
        403, "This token's role does not allow that. The API is for coordinators' tokens."
    )


@blueprint.errorhandler(NotFound)
def _not_found(error: NotFound):
    return error_response(404, error.message)


@blueprint.errorhandler(ImportRejected)
def _rejected(error: ImportRejected):
    problems = [{"item": p.line, "message": p.message} for p in error.problems]
    status = 409 if all(p.conflict for p in error.problems) else 422
    message = "Nobody has been enrolled: " + (
        "some trainees cannot be enrolled as things stand."
        if status == 409
        else "some items need putting right."
    )
    return error_response(status, message, problems=problems)


@blueprint.errorhandler(Conflict)
def _conflict(error: Conflict):
    return error_response(409, error.message)


@blueprint.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return error_response(422, error.message)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return error_response(error.code or 500, error.description or TITLES.get(error.code, "Error"))


def _organisation() -> Organisation:
    organisation = db.session.get(Organisation, g.principal.organisation_id)
    authorize(g.principal, "api.use", organisation)
    return organisation


def _list(items, next_id, endpoint: str, **params):
    links = {"self": request.url, "next": None}
    if next_id is not None:
        links["next"] = url_for(
            endpoint,
            _external=True,
            **{k: v for k, v in params.items() if v is not None},
            cursor=records.encode_cursor(next_id),
        )
    return jsonify({"data": items, "links": links})


def _int_param(name: str) -> int | None:
    value = request.args.get(name)
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise records.BadRequest(f"`{name}` must be a whole number.", field=name)
    return int(value)


@blueprint.route("/openapi.json")
def openapi():
    return jsonify(openapi_document(url_for("api.openapi", _external=True).rsplit("/", 1)[0]))


@blueprint.route("/cohorts")
def list_cohorts():
    organisation = _organisation()
    limit = records.parse_limit(request.args.get("limit"))
    after = records.decode_cursor(request.args.get("cursor"))
    items, next_id = records.cohort_page(db.session, g.principal, organisation.id, limit, after)
    return _list(items, next_id, "api.list_cohorts", limit=limit)


@blueprint.route("/trainees")
def list_trainees():
    organisation = _organisation()
    authorize(g.principal, "trainee.view_record", organisation)
    limit = records.parse_limit(request.args.get("limit"))
    after = records.decode_cursor(request.args.get("cursor"))
    cohort_id = _int_param("cohort_id")
    status = request.args.get("status") or None
    items, next_id = records.trainee_page(
        db.session, organisation.id, limit, after, cohort_id=cohort_id, status=status
    )
    return _list(
        items, next_id, "api.list_trainees", limit=limit, cohort_id=cohort_id, status=status
    )


@blueprint.route("/trainees/<int:trainee_id>")
def trainee(trainee_id: int):
    organisation = _organisation()
    authorize(g.principal, "trainee.view_record", organisation)
    return jsonify({"data": records.trainee_record(db.session, organisation.id, trainee_id)})


def _enrol_body() -> list[dict]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("trainees"), list):
        raise records.BadRequest(
            'Send a JSON object like {"trainees": [{"email": ..., "name": ..., '
            '"cohort_id": ...}]} with the header Content-Type: application/json.'
        )
    items = body["trainees"]
    if not 1 <= len(items) <= MAX_ENROL_ITEMS:
        raise records.BadRequest(f"Send from 1 to {MAX_ENROL_ITEMS} trainees at a time.")
    return items


@blueprint.route("/trainees", methods=["POST"])
def enrol_trainees():
    """Enrol every trainee in the request, or nobody."""
    organisation = _organisation()
    authorize(g.principal, "enrolment.manage", organisation)
    items = _enrol_body()
    done = enrolment.enrol_requested(db.session, organisation, items, utcnow().date())
    enrolled = [item.enrolment.id for _, item in done if isinstance(item, enrolment.Enrolled)]
    # Only what the caller sent: nothing says whether an invited address is known elsewhere.
    invited = [
        {
            "item": position,
            "email": item.invitation.email,
            "cohort_id": item.invitation.cohort_id,
            "expires_on": item.invitation.expires_at.date().isoformat(),
        }
        for position, item in done
        if isinstance(item, enrolment.Invited)
    ]
    response = jsonify({"data": records.enrolment_items(db.session, enrolled), "invited": invited})
    response.status_code = 201
    return response
