"""The partners' API: tokens, authorisation across organisations, pagination, enrolment,
errors, and an OpenAPI document that matches what the API really does."""

from __future__ import annotations

import base64
import io
import re
import threading
import zlib
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import func, select

from lms.accounts.models import memberships_of
from lms.accounts.operations import revoke_role, set_account_disabled
from lms.accounts.roles import Role
from lms.api import tokens
from lms.api.models import PersonalAccessToken
from lms.api.tokens import hash_token
from lms.audit.models import AuditEvent
from lms.curriculum import operations as curriculum
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.errors import DomainError
from lms.mail.models import OutboxMessage
from lms.web import MAX_ID
from tests.factories import (
    api_token,
    enrol_new_trainee,
    expired_api_token,
    licensed_partner,
    member,
)
from tests.portfolio.test_double_click import at_once
from tests.routes import answer

TODAY = utcnow().date()


@pytest.fixture
def world(session):
    world = licensed_partner(session, seats=10)
    for index in range(5):
        enrol_new_trainee(session, world.cohort, f"t{index}@example.org", f"Trainee {index}")
    curriculum.create_cohort(session, world.elsewhere, world.course, "Their cohort")
    # The foreign partner's trainee is enrolled directly (its franchisor licenses nothing here).
    outsider = member(world.elsewhere, Role.TRAINEE, email="outsider@example.org")
    curriculum.enrol(session, outsider, world.course, world.elsewhere)
    session.commit()
    world.outsider = outsider
    return world


@pytest.fixture
def token(session, world):
    return api_token(session, world.coordinator, world.partner, Role.COORDINATOR)


def call(client, method, url, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(url, method=method, headers=headers, **kwargs)


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc", "Bearer alg_x"])
def test_no_good_token_gets_401_json(client, world, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/cohorts", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"]["status"] == 401
    assert response.json["error"]["message"]


def test_a_signed_in_browser_is_not_enough(login, world):
    assert login(world.coordinator).get("/api/v1/cohorts").status_code == 401


def test_expired_revoked_and_outdated_tokens_stop_working(session, client, world, token):
    assert call(client, "GET", "/api/v1/cohorts", token).status_code == 200
    old = expired_api_token(session, world.coordinator, world.partner, Role.COORDINATOR)
    assert call(client, "GET", "/api/v1/cohorts", old).status_code == 401
    revoke_role(session, world.coordinator, world.partner, Role.COORDINATOR)
    session.commit()
    assert call(client, "GET", "/api/v1/cohorts", token).status_code == 401


def test_a_disabled_account_s_token_stops_working(session, client, world, token):
    set_account_disabled(session, world.coordinator, True)
    session.commit()
    assert call(client, "GET", "/api/v1/cohorts", token).status_code == 401


def test_last_use_is_recorded(session, client, world, token):
    call(client, "GET", "/api/v1/cohorts", token)
    session.expire_all()
    stored = session.scalar(select(PersonalAccessToken))
    assert stored.last_used_at is not None
    assert stored.token_hash == hash_token(token)
    assert token not in {stored.token_hash, stored.prefix}


def test_a_use_answered_with_an_error_still_counts_as_a_use(session, client, world, token):
    assert call(client, "GET", f"/api/v1/trainees/{MAX_ID}", token).status_code == 404
    session.expire_all()
    assert session.scalar(select(PersonalAccessToken.last_used_at)) is not None


def test_a_trainee_s_token_is_forbidden(session, client, world):
    trainee = member(world.partner, Role.TRAINEE)
    token = api_token(session, trainee, world.partner, Role.TRAINEE)
    response = call(client, "GET", "/api/v1/cohorts", token)
    assert response.status_code == 403
    assert "coordinators" in response.json["error"]["message"]


# --- across organisations ------------------------------------------------------------------------


def test_a_token_from_another_organisation_gets_nothing_of_ours(session, client, world):
    theirs = api_token(session, world.stranger, world.elsewhere, Role.COORDINATOR)
    cohorts = call(client, "GET", "/api/v1/cohorts", theirs).json["data"]
    assert [c["name"] for c in cohorts] == ["Their cohort"]
    trainees = call(client, "GET", "/api/v1/trainees", theirs).json["data"]
    assert [t["trainee"]["email"] for t in trainees] == ["outsider@example.org"]
    ours = session.scalars(select(Enrolment.user_id)).first()
    assert call(client, "GET", f"/api/v1/trainees/{ours}", theirs).status_code == 404
    response = call(
        client,
        "POST",
        "/api/v1/trainees",
        theirs,
        json={"trainees": [{"email": "x@example.org", "name": "X", "cohort_id": world.cohort.id}]},
    )
    assert response.status_code == 422
    assert "not a cohort of your organisation" in response.json["error"]["problems"][0]["message"]


def test_a_coordinator_of_two_organisations_reaches_only_the_token_s(session, client, world, token):
    member_elsewhere = world.coordinator
    from lms.accounts.operations import grant_role

    grant_role(session, member_elsewhere, world.elsewhere, Role.COORDINATOR)
    session.commit()
    names = [c["name"] for c in call(client, "GET", "/api/v1/cohorts", token).json["data"]]
    assert names == ["Spring 2027"]
    response = call(client, "GET", f"/api/v1/trainees/{world.outsider.id}", token)
    assert response.status_code == 404


def test_another_organisation_s_trainee_answers_exactly_as_a_missing_one(client, world, token):
    foreign = call(client, "GET", f"/api/v1/trainees/{world.outsider.id}", token)
    missing = call(client, "GET", f"/api/v1/trainees/{MAX_ID}", token)
    assert foreign.status_code == 404
    assert answer(foreign) == answer(missing)


# --- reading ------------------------------------------------------------------------------------


def test_trainees_are_paginated_with_links(client, world, token):
    seen, url, pages = [], "/api/v1/trainees?limit=2", 0
    while url:
        body = call(client, "GET", url, token).json
        seen += [item["trainee"]["email"] for item in body["data"]]
        url = body["links"]["next"]
        pages += 1
    assert pages == 3
    assert seen == [f"t{i}@example.org" for i in range(5)]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=x", "cursor=bogus", "status=dancing", "cohort_id=a"]
)
def test_bad_parameters_get_422_with_a_reason(client, world, token, query):
    response = call(client, "GET", f"/api/v1/trainees?{query}", token)
    assert response.status_code == 422
    assert response.json["error"]["message"]


def test_a_trainee_record_shows_progress_unit_by_unit(session, client, world, token):
    enrolment = session.scalars(select(Enrolment).order_by(Enrolment.id)).first()
    from lms.curriculum.models import Lesson

    lesson = session.scalars(select(Lesson).order_by(Lesson.id)).first()
    curriculum.mark_lesson_complete(session, enrolment, lesson)
    session.commit()
    record = call(client, "GET", f"/api/v1/trainees/{enrolment.user_id}", token).json["data"]
    (only,) = record["enrolments"]
    assert only["progress"] == {"lessons_completed": 1, "lessons_total": 4, "percent": 25}
    assert [u["progress"]["lessons_completed"] for u in only["units"]] == [1, 0]
    assert only["accreditation"] == {
        "status": "in_progress",
        "achieved_at": None,
        "revoked_at": None,
    }
    assert call(client, "GET", "/api/v1/trainees/999999", token).status_code == 404


# --- enrolling ----------------------------------------------------------------------------------


def enrolments(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Enrolment))


def test_enrol_trainees_all_at_once(session, client, world, token, outbox):
    response = call(
        client,
        "POST",
        "/api/v1/trainees",
        token,
        json={
            "trainees": [
                {
                    "email": "new1@example.org",
                    "name": "New One",
                    "cohort_id": world.cohort.id,
                    "date_of_birth": "1990-02-28",
                },
                {"email": "t0@example.org", "cohort_id": world.cohort.id, "name": "ignored"},
            ]
        },
    )
    assert response.status_code == 409  # t0 is already enrolled
    assert enrolments(session) == 6
    response = call(
        client,
        "POST",
        "/api/v1/trainees",
        token,
        json={
            "trainees": [
                {"email": "new1@example.org", "name": "New One", "cohort_id": world.cohort.id},
                {"email": "new2@example.org", "name": "New Two", "cohort_id": world.cohort.id},
            ]
        },
    )
    assert response.status_code == 201
    # Neither is one of the organisation's people yet: both are invited, and join on accepting.
    assert response.json["data"] == []
    assert [(i["item"], i["email"]) for i in response.json["invited"]] == [
        (1, "new1@example.org"),
        (2, "new2@example.org"),
    ]
    assert enrolments(session) == 6
    assert [m.to for m in outbox] == [["new1@example.org"], ["new2@example.org"]]
    ours = member(world.partner, Role.ASSESSOR, email="ours@example.org")
    response = call(
        client,
        "POST",
        "/api/v1/trainees",
        token,
        json={"trainees": [{"email": "ours@example.org", "cohort_id": world.cohort.id}]},
    )
    assert response.status_code == 201
    assert [i["trainee"]["id"] for i in response.json["data"]] == [ours.id]
    assert response.json["invited"] == []


def test_enrolled_trainees_and_their_invitations_are_kept_or_undone_together(
    session, client, world, token, outbox, monkeypatch
):
    def fails_after_the_invitations(*args, **kwargs):
        raise DomainError("Something else went wrong.")

    monkeypatch.setattr("lms.api.views.records.enrolment_items", fails_after_the_invitations)
    item = {"email": "new1@example.org", "name": "New One", "cohort_id": world.cohort.id}
    response = call(client, "POST", "/api/v1/trainees", token, json={"trainees": [item]})
    assert response.status_code == 422  # a JSON error answer keeps nothing of the request
    assert enrolments(session) == 6
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert outbox == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Send a JSON object"),
        ({"trainees": []}, "from 1 to 100"),
        ({"trainees": ["x"]}, "must be an object"),
        ({"trainees": [{"email": "bad", "name": "B", "cohort_id": None}]}, "not a cohort"),
    ],
)
def test_malformed_requests_get_422(session, client, world, token, body, message):
    response = call(client, "POST", "/api/v1/trainees", token, json=body)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert enrolments(session) == 6


def test_every_bad_item_is_reported_and_nobody_is_enrolled(session, client, world, token):
    cohort = world.cohort.id
    response = call(
        client,
        "POST",
        "/api/v1/trainees",
        token,
        json={
            "trainees": [
                {"email": "ok@example.org", "name": "Fine", "cohort_id": cohort},
                {"email": "not-an-email", "name": "Bad", "cohort_id": cohort},
                {"email": "ok@example.org", "name": "Twice", "cohort_id": cohort},
            ]
        },
    )
    assert response.status_code == 422
    problems = response.json["error"]["problems"]
    assert [p["item"] for p in problems] == [2, 3]
    assert "is also on item 1" in problems[1]["message"]
    assert enrolments(session) == 6


def test_the_api_audits_enrolments_as_the_csv_import_does(session, client, login, world, token):
    """The same kind of entries, by the same person, with the same details (their values
    differ only where the people do), and the whole marked with how it came."""

    def audited_since(last_id: int) -> list[tuple]:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
        ).all()
        return [(e.action, e.object_type, e.actor_id, sorted(e.detail)) for e in events]

    def last_id() -> int:
        return session.scalar(select(func.max(AuditEvent.id))) or 0

    browser = login(world.coordinator)
    before = last_id()
    csv = f"email,name,cohort\nnew1@example.org,New One,{world.cohort.name}\n"
    response = browser.post(
        f"/organisations/{world.partner.slug}/enrolments/import",
        data={"file": (io.BytesIO(csv.encode()), "trainees.csv")},
    )
    assert response.status_code == 302
    by_csv = audited_since(before)

    before = last_id()
    item = {"email": "new2@example.org", "name": "New Two", "cohort_id": world.cohort.id}
    response = call(client, "POST", "/api/v1/trainees", token, json={"trainees": [item]})
    assert response.status_code == 201
    by_api = audited_since(before)

    assert [action for action, *_ in by_csv] == ["enrolment.invited", "enrolment.imported"]
    assert by_api == by_csv
    imported = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enrolment.imported").order_by(AuditEvent.id)
    ).all()
    assert [(e.detail["via"], e.detail["enrolled"], e.detail["invited"]) for e in imported] == [
        ("csv", 0, 1),
        ("api", 0, 1),
    ]


def test_seats_run_out_across_the_request(session, client, world, token):
    items = [
        {"email": f"n{i}@example.org", "name": f"N {i}", "cohort_id": world.cohort.id}
        for i in range(6)
    ]
    response = call(client, "POST", "/api/v1/trainees", token, json={"trainees": items})
    assert response.status_code == 409
    assert [p["item"] for p in response.json["error"]["problems"]] == [6]
    assert enrolments(session) == 6


# --- tokens on the account page ---------------------------------------------------------------


def test_a_coordinator_makes_a_token_that_is_shown_once_then_revokes_it(
    session, login, client, world
):
    browser = login(world.coordinator)
    membership = next(m for m in memberships_of(world.coordinator) if m.role == Role.COORDINATOR)
    page = browser.get("/account/api-tokens").get_data(as_text=True)
    assert "Coordinator, Northside" in page
    response = browser.post(
        "/account/api-tokens",
        data={"name": "Case system", "membership": membership.id, "expires_in": "30"},
    )
    assert response.status_code == 302
    shown = browser.get(response.headers["Location"]).get_data(as_text=True)
    raw = shown.split('<p class="token-once">')[1].split("</p>")[0]
    assert raw.startswith("alg_")
    assert raw not in response.headers["Location"]
    assert raw not in browser.get("/account/api-tokens").get_data(as_text=True)
    stored = session.scalar(select(PersonalAccessToken))
    assert stored.expires_at - utcnow() > timedelta(days=29)
    assert call(client, "GET", "/api/v1/cohorts", raw).status_code == 200
    assert browser.post(f"/account/api-tokens/{stored.id}/revoke").status_code == 302
    assert call(client, "GET", "/api/v1/cohorts", raw).status_code == 401


def _token_count(session) -> int:
    return session.scalar(select(func.count()).select_from(PersonalAccessToken))


def test_reloading_the_page_after_making_a_token_shows_it_was_shown_and_makes_none(
    session, login, world
):
    browser = login(world.coordinator)
    membership = next(m for m in memberships_of(world.coordinator) if m.role == Role.COORDINATOR)
    made = browser.post(
        "/account/api-tokens",
        data={"name": "Case system", "membership": membership.id, "request_key": "k" * 32},
    )
    first = browser.get(made.headers["Location"]).get_data(as_text=True)
    assert '<p class="token-once">alg_' in first
    # It crossed the redirect in the session cookie encrypted, never readable there.
    shown = re.search(r'<p class="token-once">(alg_[^<]+)<', first).group(1)
    cookie = made.headers.get("Set-Cookie", "")
    assert "session=" in cookie
    payload = cookie.split("session=", 1)[1].split(";", 1)[0]
    decoded = base64.urlsafe_b64decode(payload.lstrip(".").split(".")[0] + "==")
    if payload.startswith("."):
        decoded = zlib.decompress(decoded)
    assert shown.encode() not in decoded
    again = browser.get(made.headers["Location"]).get_data(as_text=True)
    assert "token-once" not in again
    assert "Your new token was shown once" in again
    assert "reloading this page makes no new token" in again
    assert _token_count(session) == 1


def test_sending_the_same_token_form_twice_makes_one_token(session, login, world):
    browser = login(world.coordinator)
    membership = next(m for m in memberships_of(world.coordinator) if m.role == Role.COORDINATOR)
    form = {"name": "Case system", "membership": membership.id, "request_key": "k" * 32}
    first = browser.post("/account/api-tokens", data=form)
    second = browser.post("/account/api-tokens", data=form)
    assert _token_count(session) == 1
    assert first.headers["Location"] == second.headers["Location"]
    # The second sending never sees a token: the first page shows it once, then never again.
    assert '<p class="token-once">alg_' in browser.get(first.headers["Location"]).get_data(
        as_text=True
    )
    assert "token-once" not in browser.get(second.headers["Location"]).get_data(as_text=True)
    other = browser.post("/account/api-tokens", data=form | {"request_key": "j" * 32})
    assert other.status_code == 302
    assert _token_count(session) == 2


def test_a_token_form_key_finds_the_token_it_made(session, world):
    membership = next(m for m in memberships_of(world.coordinator) if m.role == Role.COORDINATOR)
    token, raw = tokens.create_token_once(
        session, world.coordinator, membership, "Case system", request_key="abc"
    )
    again, none = tokens.create_token_once(
        session, world.coordinator, membership, "Case system", request_key="abc"
    )
    assert raw.startswith("alg_")
    assert none is None
    assert again.id == token.id


def test_a_form_s_page_offers_a_new_key_each_time(login, world):
    browser = login(world.coordinator)

    def key() -> str:
        page = browser.get("/account/api-tokens").get_data(as_text=True)
        return page.split('name="request_key" type="hidden" value="')[1].split('"')[0]

    first, second = key(), key()
    assert len(first) >= 24
    assert first != second


def test_tokens_are_only_for_one_s_own_coordinator_roles(session, login, world):
    trainee = member(world.partner, Role.TRAINEE)
    browser = login(trainee)
    assert "Tokens are for coordinators" in browser.get("/account/api-tokens").get_data(
        as_text=True
    )
    membership = next(m for m in memberships_of(world.coordinator))
    response = browser.post(
        "/account/api-tokens", data={"name": "Mine", "membership": membership.id}
    )
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(PersonalAccessToken)) == 0


def test_someone_else_s_token_cannot_be_revoked(session, login, world, token):
    stored = session.scalar(select(PersonalAccessToken))
    assert login(world.admin).post(f"/account/api-tokens/{stored.id}/revoke").status_code == 404


# --- the OpenAPI document ---------------------------------------------------------------------


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def test_the_document_is_openapi_3_1_and_lists_every_api_route(app, document):
    assert document["openapi"].startswith("3.1")
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routed.add((path, method))
    assert documented == routed
    Draft202012Validator.check_schema({"$defs": document["components"]["schemas"]})


def operation_for(document, request) -> dict:
    for path, item in document["paths"].items():
        pattern = "/api/v1" + re.sub(r"\{[^}]+\}", "[^/]+", path)
        if re.fullmatch(pattern, request.path):
            return item[request.method.lower()]
    raise AssertionError(f"{request.path} is not documented")


def validate(document, response):
    operation = operation_for(document, response.request)
    status = str(response.status_code)
    assert status in operation["responses"], f"{status} is not documented"
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    validator = Draft202012Validator(
        {**schema, "components": document["components"]}, format_checker=FormatChecker()
    )
    errors = list(validator.iter_errors(response.json))
    assert not errors, [e.message for e in errors]


def test_real_responses_match_the_documented_schemas(session, client, world, token, document):
    theirs = api_token(session, member(world.partner, Role.TRAINEE), world.partner, Role.TRAINEE)
    user_id = session.scalars(select(Enrolment.user_id)).first()
    responses = [
        call(client, "GET", "/api/v1/cohorts", token),
        call(client, "GET", "/api/v1/cohorts?limit=0", token),
        call(client, "GET", "/api/v1/cohorts", None),
        call(client, "GET", "/api/v1/cohorts", theirs),
        call(client, "GET", "/api/v1/trainees?limit=2", token),
        call(client, "GET", "/api/v1/trainees?status=enrolled", token),
        call(client, "GET", "/api/v1/trainees?cursor=zzz", token),
        call(client, "GET", f"/api/v1/trainees/{user_id}", token),
        call(client, "GET", "/api/v1/trainees/424242", token),
        call(client, "POST", "/api/v1/trainees", token, json={"trainees": [{"email": "x"}]}),
        call(
            client,
            "POST",
            "/api/v1/trainees",
            token,
            json={"trainees": [{"email": "t0@example.org", "cohort_id": world.cohort.id}]},
        ),
        call(
            client,
            "POST",
            "/api/v1/trainees",
            token,
            json={
                "trainees": [
                    {"email": "fresh@example.org", "name": "Fresh", "cohort_id": world.cohort.id}
                ]
            },
        ),
    ]
    statuses = sorted({r.status_code for r in responses})
    assert statuses == [200, 201, 401, 403, 404, 409, 422]
    for response in responses:
        validate(document, response)


def test_two_sendings_of_the_token_form_at_once_make_one_token(
    session, signed_in, world, monkeypatch
):
    """Both requests are held just after finding no token for the form's key, so both go on
    to make one; the database's unique key lets one win and the other find it."""
    barrier = threading.Barrier(2)
    real = tokens.token_for_request
    first_look: set[int] = set()

    def held(*args, **kwargs):
        found = real(*args, **kwargs)
        if threading.get_ident() not in first_look:
            first_look.add(threading.get_ident())
            barrier.wait(timeout=20)
        return found

    monkeypatch.setattr(tokens, "token_for_request", held)
    membership = next(m for m in memberships_of(world.coordinator) if m.role == Role.COORDINATOR)
    form = {"name": "Case system", "membership": membership.id, "request_key": "r" * 32}
    clients = signed_in(world.coordinator), signed_in(world.coordinator)
    responses = at_once(*(lambda c=c: c.post("/account/api-tokens", data=form) for c in clients))
    assert [r.status_code for r in responses] == [302, 302], responses
    session.expire_all()
    assert _token_count(session) == 1
    assert len({r.headers["Location"] for r in responses}) == 1
