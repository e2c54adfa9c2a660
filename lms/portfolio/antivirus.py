"""Asking a ClamAV daemon (clamd) about a file before it is kept.

When `CLAMD_SOCKET` is set (a UNIX socket path such as `/run/clamav/clamd.ctl`, or
`host:port` for TCP), every upload is streamed to clamd with its INSTREAM command before it
is stored. The file is refused when clamd finds something, and also when clamd cannot
answer: it is unreachable, says it had an error, or is silent past `CLAMD_TIMEOUT` seconds.
A file nobody could check is never kept. The message she sees never alarms her: a file
refused because clamd found something is simply "not one we can accept", and one that could
not be checked can be tried again later. What clamd said goes to the audit trail.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from lms.i18n import _l
from lms.portfolio.filetypes import FileRefused

CHUNK = 64 * 1024
MAX_REPLY = 4096

UNAVAILABLE = _l(
    "We couldn't check this file just now, so it hasn't been added. Please try again later."
)
FOUND = _l(
    "We can't accept this file, so it hasn't been added. If you made it yourself, please "
    "save it again (for a document, perhaps as a PDF) and upload the new copy."
)


class ScannerUnavailable(Exception):
    """clamd could not give an answer (unreachable, an error, or silence)."""


@dataclass(frozen=True)
class Clamd:
    """Where clamd listens, and how long to wait for it."""

    address: str
    timeout: float = 30.0

    def _connect(self) -> socket.socket:
        if ":" in self.address and not self.address.startswith(("/", ".")):
            host, _, port = self.address.removeprefix("tcp://").rpartition(":")
            connection = socket.create_connection((host, int(port)), timeout=self.timeout)
        else:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(self.timeout)
            try:
                connection.connect(self.address.removeprefix("unix:"))
            except BaseException:
                connection.close()
                raise
        return connection

    def _exchange(self, connection: socket.socket, path: Path, deadline: float) -> bytes:
        connection.sendall(b"zINSTREAM\0")
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                if time.monotonic() > deadline:
                    raise TimeoutError
                connection.sendall(struct.pack(">I", len(chunk)) + chunk)
        connection.sendall(struct.pack(">I", 0))
        reply = b""
        while not reply.endswith(b"\0") and len(reply) < MAX_REPLY:
            if time.monotonic() > deadline:
                raise TimeoutError
            part = connection.recv(MAX_REPLY)
            if not part:
                break
            reply += part
        return reply

    def verdict(self, path: Path) -> str | None:
        """None when clamd says the file is clean; the signature name when it found one.
        Raises `ScannerUnavailable` when there is no answer to trust."""
        deadline = time.monotonic() + self.timeout
        try:
            with self._connect() as connection:
                reply = self._exchange(connection, path, deadline)
        except (OSError, ValueError) as error:  # refused, missing, timed out, reset
            raise ScannerUnavailable(type(error).__name__) from None
        text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        # "stream: OK", "stream: Eicar-Signature FOUND", "... ERROR"
        _, _, result = text.partition(": ")
        if result == "OK":
            return None
        if result.endswith(" FOUND"):
            return result.removesuffix(" FOUND").strip() or "unknown"
        raise ScannerUnavailable(text[:200] or "no answer")

    def check(self, path: Path) -> None:
        """Refuse the file unless clamd has looked at it and found nothing."""
        try:
            found = self.verdict(path)
        except ScannerUnavailable as error:
            raise FileRefused(UNAVAILABLE, reason="scan-unavailable", detail=str(error)) from None
        if found is not None:
            raise FileRefused(FOUND, reason="virus", detail=found[:200])


def scanner_for(config) -> Clamd | None:
    """The configured scanner, or None when `CLAMD_SOCKET` is not set."""
    address = (config.get("CLAMD_SOCKET") or "").strip()
    if not address:
        return None
    return Clamd(address, float(config.get("CLAMD_TIMEOUT") or 30))
