"""What every page shares: error pages that leak nothing, security headers, the quick exit,
configuration safety and the append-only audit trail."""

from __future__ import annotations

import pytest
from flask import Blueprint

from lms import create_app
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.audit.operations import record
from lms.config import ConfigError
from lms.db import AppendOnlyError
from tests.factories import PartnerFactory, member


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_signed_in_pages_are_not_cached(login):
    browser = login(member(PartnerFactory(), Role.TRAINEE))
    assert browser.get("/account").headers["Cache-Control"] == "no-store"


def test_quick_exit_and_skip_link_on_every_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'class="skip-link" href="#content"' in page
    assert "data-quick-exit" in page
    assert '<main id="content"' in page
    assert "<script>" not in page  # no inline scripts: the CSP forbids them


def test_not_found_page_is_plain(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.fixture
def error_app(make_app):
    app = make_app(SHOW_ERROR_PAGES=True, MAX_CONTENT_LENGTH=1000, SERVER_NAME=None)
    broken = Blueprint("broken", __name__)

    @broken.route("/explode")
    def explode():
        raise RuntimeError("secret database password is hunter2")

    app.register_blueprint(broken)
    return app


def test_server_error_page_leaks_nothing(error_app):
    response = error_app.test_client().get("/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "hunter2" not in page
    assert "Traceback" not in page


def test_too_large_request_gets_a_clear_page(error_app):
    response = error_app.test_client().post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_csrf_failure_is_explained(app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().post("/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_production_refuses_a_weak_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("ALONGSIDE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "change-me")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    from lms.config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second
    assert len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_two_processes_making_the_secret_key_at_once_agree_on_one(tmp_path, monkeypatch):
    """Another process links its key in between this one's look and its own write: this one
    takes that key and leaves no draft behind."""
    from pathlib import Path

    from lms.config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("the-key-the-other-process-wrote\n")
    real_exists = Path.exists
    monkeypatch.setattr(
        Path, "exists", lambda path: False if path.name == "secret_key" else real_exists(path)
    )
    assert load_config(tmp_path)["SECRET_KEY"] == "the-key-the-other-process-wrote"
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_database_url_forms(tmp_path, monkeypatch):
    from lms.config import load_config

    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/alongside")
    assert load_config(tmp_path)["SQLALCHEMY_ENGINES"]["default"] == (
        "postgresql+psycopg://u:p@db/alongside"
    )
    monkeypatch.delenv("DATABASE_URL")
    assert load_config(tmp_path)["SQLALCHEMY_ENGINES"]["default"].startswith("sqlite:///")


@pytest.mark.sqlite
def test_sqlite_runs_with_foreign_keys_and_wal(app, session):
    from sqlalchemy import text

    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_audit_events_cannot_be_changed_or_deleted(session):
    event = record(session, "test.event", ip_address="127.0.0.1", note="first")
    session.commit()
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        session.commit()
    session.rollback()
    session.delete(session.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyError):
        session.commit()
    session.rollback()
    assert session.get(AuditEvent, event.id).action == "test.event"


def test_audit_records_actor_and_address_from_the_request(app, client, session):
    person = member(PartnerFactory(), Role.TRAINEE)
    client.post(
        "/login",
        data={"email": person.email, "password": "correct horse battery"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    client.post("/logout", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    session.expire_all()
    from sqlalchemy import select

    logout = session.scalar(select(AuditEvent).where(AuditEvent.action == "logout"))
    assert logout.actor_id == person.id
    assert logout.ip_address == "203.0.113.7"


def test_health_check_fails_clearly_without_a_database(make_app, tmp_path):
    app = make_app(
        SQLALCHEMY_ENGINES={"default": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"},
        SERVER_NAME=None,
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"


def test_every_page_names_a_local_icon_and_the_browsers_default_address_finds_it(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()
