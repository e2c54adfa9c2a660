"""One transaction per request: a response under 400 commits, anything else rolls back, and
mail leaves only after the commit. Ids beyond any row are 404s, never database errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import redirect
from sqlalchemy import select, update
from werkzeug.routing import IntegerConverter

from lms.accounts.models import AuthSession, Organisation
from lms.accounts.roles import Role
from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.mail.models import OutboxMessage
from lms.mail.outbox import enqueue
from lms.web import MAX_ID, form_errors, keep_changes
from tests.factories import PartnerFactory, member


@pytest.fixture
def organisation(app):
    organisation = PartnerFactory(name="Before")
    db.session.commit()
    return organisation


def _rename(organisation_id: int, name: str) -> None:
    db.session.get(Organisation, organisation_id).name = name
    db.session.flush()


def _name(organisation_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Organisation, organisation_id).name


def test_a_successful_request_commits_what_its_domain_calls_flushed(app, client, organisation):
    @app.post("/_test/rename")
    def rename():
        _rename(organisation.id, "After")
        return redirect("/")

    assert client.post("/_test/rename").status_code == 302
    assert _name(organisation.id) == "After"


def test_a_domain_error_after_a_flush_keeps_nothing(app, client, organisation):
    @app.post("/_test/rename")
    def rename():
        _rename(organisation.id, "Half-done")
        raise DomainError("That name is taken.")

    response = client.post("/_test/rename")
    assert response.status_code == 400
    assert b"That name is taken." in response.data
    assert _name(organisation.id) == "Before"


def test_an_error_answer_rolls_back_unless_the_view_keeps_its_changes(app, client, organisation):
    @app.post("/_test/refuse")
    def refuse():
        _rename(organisation.id, "Refused")
        return "no", 409

    @app.post("/_test/count-a-failure")
    def count_a_failure():
        _rename(organisation.id, "Counted")
        keep_changes()
        return "no", 401

    assert client.post("/_test/refuse").status_code == 409
    assert _name(organisation.id) == "Before"
    assert client.post("/_test/count-a-failure").status_code == 401
    assert _name(organisation.id) == "Counted"


def test_mail_from_a_request_that_fails_is_never_sent(app, client, organisation, outbox, deliver):
    @app.post("/_test/fail-after-mail")
    def fail_after_mail():
        enqueue(
            db.session,
            "a@alongside.example",
            "Hello",
            "invitation",
            user=None,
            organisation=organisation,
        )
        raise DomainError("No.")

    @app.post("/_test/mail")
    def mail():
        enqueue(
            db.session,
            "b@alongside.example",
            "Hello",
            "invitation",
            user=None,
            organisation=organisation,
        )
        return "ok"

    assert client.post("/_test/fail-after-mail").status_code == 400
    assert client.post("/_test/mail").status_code == 200
    # Sent straight after its request committed; the failed request's message never existed.
    assert [m.to for m in outbox] == [["b@alongside.example"]]
    assert deliver().sent == []
    assert [m.recipient for m in db.session.scalars(select(OutboxMessage))] == [
        "b@alongside.example"
    ]


def test_form_errors_shows_the_message_beside_its_field_and_undoes_the_change(
    app, client, organisation
):
    from flask_wtf import FlaskForm
    from wtforms import StringField

    class NameForm(FlaskForm):
        title = StringField("Title")
        name = StringField("Name")

    @app.post("/_test/form")
    def form_view():
        form = NameForm()
        with form_errors(form) as outcome:
            _rename(organisation.id, form.name.data)
            raise DomainError("Please choose another name.", field="name")
        assert outcome.failed
        return {"name": form.name.errors, "title": form.title.errors}, 400

    response = client.post("/_test/form", data={"name": "Taken"})
    assert response.json == {"name": ["Please choose another name."], "title": []}
    assert _name(organisation.id) == "Before"


def test_the_last_seen_time_is_refreshed_on_its_own(app, signed_in, organisation):
    person = member(organisation, Role.COORDINATOR)
    client = signed_in(person)
    earlier = utcnow() - timedelta(minutes=5)
    db.session.execute(update(AuthSession).values(last_seen_at=earlier))
    db.session.commit()

    @app.post("/_test/refuse")
    def refuse():
        _rename(organisation.id, "Refused")
        return "no", 400

    assert client.post("/_test/refuse").status_code == 400
    db.session.expire_all()
    auth_session = db.session.scalar(select(AuthSession))
    assert auth_session.last_seen_at > earlier  # its own small UPDATE, committed
    assert _name(organisation.id) == "Before"  # and nothing else with it


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        ints = [
            name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)
        ]
        if ints:
            yield rule, ints


def test_every_int_route_refuses_ids_beyond_the_database(app, client):
    routes = list(_id_routes(app))
    assert len(routes) > 40
    for rule, names in routes:
        values = dict.fromkeys(rule.arguments, "x")
        values.update(dict.fromkeys(names, str(MAX_ID + 1)))
        url = rule.rule
        for name, value in values.items():
            url = url.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
            url = url.replace(f"<string:{name}>", value).replace(f"<path:{name}>", value)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        response = client.open(url, method=method)
        # A POST-only URL may match the shape of another route and be refused as 405: no rule
        # ever reaches the database with the number.
        allowed = {404} if method == "GET" else {404, 405}
        assert response.status_code in allowed, (url, response.status_code)


@pytest.mark.parametrize(
    "url",
    ["/status-lists/{id}", "/achievements/NOSUCHCODE/{id}"],
    ids=["status-list", "achievement-version"],
)
def test_public_id_routes_answer_404_at_the_largest_id(client, url):
    assert client.get(url.format(id=MAX_ID)).status_code == 404
    assert client.get(url.format(id=2**63)).status_code == 404
    assert client.get(url.format(id=2**64)).status_code == 404
