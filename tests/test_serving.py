"""The production server's settings (deploy/gunicorn.conf.py) as the app meets them: logs that
name routes, never addresses; the benchmark's statement count, off unless asked for and never
in production."""

from __future__ import annotations

import http.client
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import request

from lms import create_app
from lms.accounts.roles import Role
from tests.factories import PartnerFactory, member

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "gunicorn.conf.py"


def _route_noted_for(app, address: str) -> str:
    with app.test_request_context(address):
        app.preprocess_request()
        return request.environ["alongside.route"]


def test_the_route_pattern_is_what_logs_read_never_the_address(app):
    assert _route_noted_for(app, "/s/a-witness-token-123?also=a-secret") == "/s/<token>"
    assert _route_noted_for(app, "/f/a-survey-token-123") == "/f/<token>"
    assert _route_noted_for(app, "/no/such/page/another-token-456") == "-"


def test_the_access_log_format_reads_no_address_query_or_client_detail():
    settings = runpy.run_path(str(CONF))
    atoms = set(re.findall(r"%\((\{[^}]*\}[a-z]|[a-zA-Z]+)\)s", settings["access_log_format"]))
    # r: request line, U: path, q: query, h: client address, f: referrer, a: user agent,
    # {...}i: any request header.
    assert not atoms & {"r", "U", "q", "h", "f", "a"}
    assert not [atom for atom in atoms if atom.endswith("i")]
    assert "{alongside.route}e" in atoms
    assert settings["preload_app"] is True
    assert settings["worker_class"] == "gthread"


def test_statement_count_is_absent_unless_the_benchmark_asks(client):
    assert "X-Statement-Count" not in client.get("/healthz").headers


@pytest.mark.parametrize("config_overrides", [{"COUNT_STATEMENTS": True}])
def test_the_benchmark_sees_each_request_s_statements(client, signed_in, count_queries):
    with count_queries() as counter:
        health = client.get("/healthz")
    assert health.headers["X-Statement-Count"] == str(len(counter.statements))
    trainee = signed_in(member(PartnerFactory(), Role.TRAINEE))
    assert int(trainee.get("/").headers["X-Statement-Count"]) > 1


def test_statement_count_is_refused_in_production(database_url, tmp_path):
    with pytest.raises(RuntimeError, match="never for production"):
        create_app(
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": "a-production-secret-that-is-long-enough-0123456789",
                "SQLALCHEMY_ENGINES": {"default": database_url},
                "EVIDENCE_STORAGE_PATH": str(tmp_path / "evidence"),
                "COUNT_STATEMENTS": True,
            }
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _wait_until_up(server: subprocess.Popen, port: int) -> None:
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        assert server.poll() is None, "gunicorn stopped while starting"
        try:
            if _get(port, "/healthz") == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 60 s")


def test_served_by_gunicorn_the_log_has_routes_not_tokens(database_url, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "a-served-secret-that-is-long-enough-0123456789",
        "EVIDENCE_STORAGE_PATH": str(tmp_path / "evidence"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        # A worker gets this long to finish after the SIGTERM below, well inside the wait for
        # the log (the default, 60 s, equalled it: a worker slow to stop failed the test).
        "GUNICORN_GRACEFUL_TIMEOUT": "10",
    }
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-m", "gunicorn", "-c", str(CONF), "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(server, port)
        _get(port, "/s/Witness-Token-0123?next=Query-Secret-4567")
        _get(port, "/password/reset/Reset-Token-89ab")
        _get(port, "/unknown/Stray-Token-cdef?x=Another-Query")
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    for secret in ("Witness-Token", "Query-Secret", "Reset-Token", "Stray-Token", "Another"):
        assert secret not in output
    assert '"GET /s/<token>"' in output
    assert '"GET /password/reset/<token>"' in output
    assert '"GET -" 404' in output
    assert output.count("Booting worker") == 2


# Loaded only where they are used (a PDF, a spreadsheet, a photo, a migration): a worker that
# serves pages holds none of them, and neither does the master the workers are forked from.
LOADED_WHEN_USED = ("alembic", "mako", "pygments", "reportlab", "PIL", "openpyxl", "boto3")


def test_the_server_starts_without_the_libraries_only_some_requests_need():
    script = (
        "import sys; from app import app; "
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))"
    )
    env = {**os.environ, "SECRET_KEY": "a-secret-for-this-test-only-0123456789abcdef"}
    env.pop("DATABASE_URL", None)
    loaded = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not set(LOADED_WHEN_USED) & set(loaded)
