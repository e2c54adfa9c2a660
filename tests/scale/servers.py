"""Servers the scale tests start on the loopback address, and stop: Redis, an S3 look-alike
(moto), SMTP (aiosmtpd). Each is waited for by polling with a deadline, never by sleeping."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], object], *, timeout: float = 30, what: str = "it") -> object:
    """Poll `check` until it answers something true, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except Exception as error:  # not ready yet
            last_error = error
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s (last error: {last_error})")


def stop(process: subprocess.Popen, *, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


@contextmanager
def redis_server(folder: Path):
    """A private redis-server on a free loopback port, keeping nothing on disk: its URL."""
    import redis

    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - the machine's redis-server, our settings
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        wait_until(client.ping, timeout=20, what="redis-server answering")
        client.close()
        yield url
    finally:
        stop(process)


@contextmanager
def s3_server():
    """moto's S3 in server mode on a free loopback port: its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


class Inbox:
    """What an aiosmtpd server on the loopback address received."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes

        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()
