"""gunicorn with several workers and no shared storage: the start-up says so in its log (the
worker count is read from gunicorn's own settings); with one worker, or with Redis, it does
not."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scale.servers import free_port, stop, wait_until

pytest.importorskip("gunicorn")

ROOT = Path(__file__).resolve().parents[2]
WARNING = "workers run without shared storage"


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    finally:
        connection.close()


def start_up_log(tmp_path: Path, workers: int, **settings) -> str:
    """Start gunicorn, wait until every worker has answered once, stop it: its log."""
    port, log = free_port(), tmp_path / f"gunicorn-{workers}.log"
    empty_config = tmp_path / "gunicorn.conf.py"
    empty_config.write_text("")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite3'}",
        "SECRET_KEY": "s" * 48,
        "REDIS_URL": "",
        "RATELIMIT_STORAGE_URI": "",
        "EVIDENCE_STORAGE_PATH": str(tmp_path / "evidence"),
        **settings,
    }
    with open(log, "wb") as handle:
        process = subprocess.Popen(  # noqa: S603 - this interpreter's gunicorn
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(empty_config),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--preload",
                "app:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(lambda: _answers(port), timeout=120, what="gunicorn answering")
        finally:
            stop(process)
    return log.read_text()


def test_several_workers_without_shared_storage_are_warned_about(tmp_path):
    assert WARNING in start_up_log(tmp_path, 2)


def test_one_worker_is_not_warned_about(tmp_path):
    assert WARNING not in start_up_log(tmp_path, 1)
