"""A gunicorn server in a subprocess, under the production settings (deploy/gunicorn.conf.py),
and the CPU time its master and workers have used, read from /proc."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "gunicorn.conf.py"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, target: str, env: dict, log: Path, workers: int = 2):
        self.port = free_port()
        self.log = log
        environment = {
            **os.environ,
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            # Workers are not recycled during a measurement: a replaced worker's CPU time
            # would be read from the master's reaped children only once it is collected.
            "GUNICORN_MAX_REQUESTS": "0",
            # The allocator's settings `make serve` gives gunicorn (SERVER_MALLOC, Makefile).
            "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
            "MALLOC_MMAP_THRESHOLD_": os.environ.get("MALLOC_MMAP_THRESHOLD_", "131072"),
        }
        with open(log, "ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and settings
                [sys.executable, "-m", "gunicorn", "-c", str(CONF), target],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, path: str = "/healthz", timeout: float = 120) -> None:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start; see {self.log}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", path)
                status = connection.getresponse().status
                connection.close()
                if status == 200 and len(self.workers()) >= 1:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """User and system time of the master (with its reaped children) and its workers."""
        total = _times(self.process.pid, with_children=True)
        for pid in self.workers():
            total += _times(pid, with_children=False)
        return total / TICKS

    def memory_mib(self) -> dict[str, float]:
        """Resident memory of the master and its workers. RSS counts the pages they share
        (the preloaded app) once per process; PSS divides each shared page among its sharers,
        so PSS adds up to what the server really takes from the machine."""
        rss = pss = 0
        for pid in [self.process.pid, *self.workers()]:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            for line in rollup.splitlines():
                key, _, value = line.partition(":")
                if key == "Rss":
                    rss += int(value.split()[0])
                elif key == "Pss":
                    pss += int(value.split()[0])
        return {"rss": round(rss / 1024, 1), "pss": round(pss / 1024, 1)}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _times(pid: int, *, with_children: bool) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # Fields after the command name (which may hold spaces), from field 3 on.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return utime + stime + (cutime + cstime if with_children else 0)
