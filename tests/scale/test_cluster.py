"""Two instances of the application behind haproxy, as on more than one machine.

Started on the loopback address for this test: redis-server, an S3 look-alike (moto, server
mode), an SMTP server (aiosmtpd), two gunicorn instances (two workers each, each with its own
local folder) on the PostgreSQL database of the PostgreSQL run, one mail sender beside each,
and haproxy in front (it sends a request to the instance named in `X-Instance`, or to either
in turn, and says which answered in `X-Served-By`). Every person below is a browser on her own
loopback address (127.0.0.x), which the instances read from X-Forwarded-For (PROXY_COUNT=1).

It shows that a sign-in made through one instance holds on the other, that the sign-in rate
limit and the sign-in throttle are counted once for both, that a file uploaded through one is
downloaded through the other (from the bucket), and that with both senders running every
message is sent exactly once. Waits poll with a deadline; every process is stopped at the end.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import boto3
import pytest
from sqlalchemy import select

from lms.accounts.roles import Role
from lms.extensions import db
from lms.mail.models import MessageStatus, OutboxMessage
from lms.mail.outbox import enqueue
from lms.portfolio.models import EvidenceFile
from tests.factories import PartnerFactory, assessment_setting, member
from tests.scale.servers import (
    free_port,
    redis_server,
    s3_server,
    smtp_server,
    stop,
    wait_until,
)

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"  # what the factories give everyone
SECRET = "cluster-test-secret-key-that-is-long-enough-for-its-checks"
BUCKET = "cluster-evidence"
SIGN_IN_LIMIT = 20  # lms.accounts.views: "20 per minute" from one client address
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


# --- a browser on its own loopback address ------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def served_by(self) -> str | None:
        return self.headers.get("X-Served-By")


class Browser:
    """Keeps its cookies, and connects from `source` (any 127.0.0.x reaches the proxy)."""

    def __init__(self, port: int, source: str):
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, instance: str | None, body=b"", content_type=""):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if instance:
            headers["X-Instance"] = instance
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.source, 0)
        )
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return answer

    def get(self, path: str, instance: str | None = None) -> Answer:
        return self.request("GET", path, instance)

    def token(self, path: str, instance: str | None = None) -> str:
        found = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', self.get(path, instance).text
        )
        assert found, f"no form at {path}"
        return found.group(1)

    def post(self, path: str, fields: dict, instance: str | None = None, files=None) -> Answer:
        if files:
            body, content_type = _multipart(fields, files)
        else:
            body, content_type = (
                urlencode(fields, doseq=True).encode(),
                ("application/x-www-form-urlencoded"),
            )
        return self.request("POST", path, instance, body, content_type)


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "alongside-cluster-test-boundary"
    parts = []
    for name, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- the cluster --------------------------------------------------------------------------------


@dataclass
class Cluster:
    proxy_port: int
    s3: object  # a boto3 client of the bucket
    inbox: object
    folders: dict[str, Path]

    def browser(self, source: str) -> Browser:
        return Browser(self.proxy_port, source)


def _haproxy_config(port: int, instances: dict[str, int]) -> str:
    servers = "".join(f"  server {n} 127.0.0.1:{p}\n" for n, p in instances.items())
    only = "".join(
        f"backend only_{n}\n  http-response set-header X-Served-By %[srv_name]\n"
        f"  server {n} 127.0.0.1:{p}\n"
        for n, p in instances.items()
    )
    choose = "".join(
        f"  use_backend only_{n} if {{ req.hdr(x-instance) -m str {n} }}\n" for n in instances
    )
    return (
        "defaults\n  mode http\n  timeout connect 5s\n  timeout client 60s\n"
        "  timeout server 60s\n"
        f"frontend web\n  bind 127.0.0.1:{port}\n  option forwardfor\n{choose}"
        "  default_backend both\n"
        "backend both\n  balance roundrobin\n  http-response set-header X-Served-By %[srv_name]\n"
        f"{servers}{only}"
    )


def _instance_env(database_url: str, redis_url: str, s3_url: str, smtp_port: int, folder: Path):
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST_"))},
        "ALONGSIDE_ENV": "development",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_STRATEGY": "moving-window",
        "MAIL_SEND_AFTER_REQUEST": "1",
        "PROXY_COUNT": "1",
        "EVIDENCE_STORAGE": f"s3://{BUCKET}/evidence",
        "EVIDENCE_STORAGE_PATH": str(folder),
        "S3_ENDPOINT_URL": s3_url,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "S3_SSE": "AES256",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_USE_TLS": "0",
        "MAIL_OUTBOX_PATH": str(folder / "outbox"),
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST_KIB": "1024",
        "SIGNING_KEY_BITS": "2048",
    }


def _start(stack: ExitStack, command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = stack.enter_context(open(log, "wb"))  # noqa: SIM115 - closed by the stack
    process = subprocess.Popen(  # noqa: S603 - this interpreter and the machine's haproxy
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    stack.callback(stop, process)
    return process


def _healthy(port: int, process: subprocess.Popen, log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"stopped early:\n{log.read_text()[-3000:]}")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    finally:
        connection.close()


@pytest.fixture
def cluster(app, database_url, tmp_path):
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_server(tmp_path))
        s3_url = stack.enter_context(s3_server())
        smtp_port, inbox = stack.enter_context(smtp_server())
        s3 = boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket=BUCKET)
        empty_config = tmp_path / "gunicorn.conf.py"  # not the repository's, whatever it says
        empty_config.write_text("")
        ports, folders, started = {}, {}, {}
        for name in ("a", "b"):
            ports[name], folders[name] = free_port(), tmp_path / f"instance-{name}"
            folders[name].mkdir()
            env = _instance_env(database_url, redis_url, s3_url, smtp_port, folders[name])
            log = tmp_path / f"{name}.log"
            started[name] = (
                _start(
                    stack,
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "--config",
                        str(empty_config),
                        "--bind",
                        f"127.0.0.1:{ports[name]}",
                        "--workers",
                        "2",
                        "--timeout",
                        "60",
                        "app:app",
                    ],
                    env,
                    log,
                ),
                log,
            )
            _start(
                stack,
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "app",
                    "mail",
                    "send",
                    "--watch",
                    "--interval",
                    "2",
                ],
                env,
                tmp_path / f"sender-{name}.log",
            )
        proxy_port = free_port()
        config = tmp_path / "haproxy.cfg"
        config.write_text(_haproxy_config(proxy_port, ports))
        proxy_log = tmp_path / "haproxy.log"
        proxy = _start(stack, [HAPROXY, "-db", "-f", str(config)], dict(os.environ), proxy_log)
        for name, (process, log) in started.items():
            wait_until(
                lambda p=ports[name], pr=process, lg=log: _healthy(p, pr, lg),
                timeout=120,
                what=f"instance {name} answering",
            )
        wait_until(lambda: _healthy(proxy_port, proxy, proxy_log), timeout=30, what="haproxy")
        yield Cluster(proxy_port, s3, inbox, folders)
        s3.close()


# --- what it shows ------------------------------------------------------------------------------


def sign_in(browser: Browser, email: str, password: str, instance: str) -> Answer:
    token = browser.token("/login", instance)
    return browser.post(
        "/login", {"csrf_token": token, "email": email, "password": password}, instance
    )


def test_two_instances_behind_a_proxy_share_what_they_must(cluster, session):
    setting = assessment_setting()
    people = [member(PartnerFactory(), Role.TRAINEE, email=f"p{n}@example.org") for n in range(6)]
    session.commit()

    # 1. Signed in through one instance, she is signed in on the other.
    her = cluster.browser("127.0.0.2")
    answer = sign_in(her, setting.trainee.email, PASSWORD, "a")
    assert (answer.status, answer.served_by) == (302, "a")
    on_b = her.get("/account", "b")
    assert (on_b.status, on_b.served_by) == (200, "b")
    assert her.get("/account", "a").status == 200

    # 2. The sign-in rate limit is one count across both: N + k attempts, N get through.
    guesser = cluster.browser("127.0.0.3")
    token = guesser.token("/login", "a")
    answers = [
        guesser.post(
            "/login",
            {"csrf_token": token, "email": f"guess{n}@example.org", "password": "guess"},
            "ab"[n % 2],
        )
        for n in range(SIGN_IN_LIMIT + 6)
    ]
    assert {a.served_by for a in answers} == {"a", "b"}
    assert [a.status for a in answers].count(429) == 6
    assert [a.status for a in answers[:SIGN_IN_LIMIT]] == [400] * SIGN_IN_LIMIT

    # ... and so is the sign-in throttle (in the database): five wrong passwords typed through
    # either instance, and the sixth attempt, the right password, is asked to wait.
    typist = cluster.browser("127.0.0.4")
    for n in range(5):
        assert sign_in(typist, people[0].email, "not it at all", "ab"[n % 2]).status == 400
    waiting = sign_in(typist, people[0].email, PASSWORD, "a")
    assert waiting.status == 400
    assert "please wait" in waiting.text

    # 3. A file uploaded through one instance is downloaded through the other (from S3).
    enrolment = setting.enrolment.id
    content = b"What I noticed in the first session, and what I would do again.\n" * 500
    token = her.token(f"/portfolio/{enrolment}/evidence/new", "a")
    uploaded = her.post(
        f"/portfolio/{enrolment}/evidence/new",
        {
            "csrf_token": token,
            "title": "Listening",
            "evidence_type": "reflective_account",
            "description": "Notes.",
            "criteria": [str(setting.criteria()[0].id)],
        },
        "a",
        files={"file": ("Session notes.txt", content)},
    )
    assert uploaded.status == 302, uploaded.text[:2000]
    session.expire_all()
    kept = session.scalar(select(EvidenceFile))
    keys = [item["Key"] for item in cluster.s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"evidence/objects/{kept.sha256}"]
    download = her.get(f"/portfolio/{enrolment}/files/{kept.id}", "b")
    assert (download.status, download.served_by) == (200, "b")
    assert download.body == content
    assert download.headers["Content-Disposition"] == f"attachment; filename=document-{kept.id}.txt"
    assert not any((cluster.folders["b"] / "incoming").glob("*"))

    # 4. With a sender beside each instance, every message is sent exactly once: the ones
    # requests rang for on the queue, and the ones only the table holds.
    asker = cluster.browser("127.0.0.5")
    for n, person in enumerate(people):
        token = asker.token("/password/forgot", "ab"[n % 2])
        assert asker.post(
            "/password/forgot", {"csrf_token": token, "email": person.email}, "ab"[n % 2]
        ).status in (200, 302)
    for n in range(10):
        enqueue(
            session,
            f"q{n}@example.org",
            "A message",
            "password_reset",
            user=people[0],
            hours=2,
            link=f"https://alongside.example/{n}",
        )
    session.commit()
    expected = len(people) + 10

    def all_sent() -> bool:
        db.session.expire_all()
        statuses = db.session.scalars(select(OutboxMessage.status)).all()
        return len(statuses) == expected and set(statuses) == {MessageStatus.SENT}

    wait_until(all_sent, timeout=60, what="every message sent")
    wait_until(lambda: len(cluster.inbox.messages) >= expected, timeout=30, what="all received")
    received = Counter(message["Message-ID"] for message in cluster.inbox.messages)
    sent_ids = set(db.session.scalars(select(OutboxMessage.message_id)))
    assert set(received) == sent_ids
    assert set(received.values()) == {1}
    assert len(cluster.inbox.messages) == expected
