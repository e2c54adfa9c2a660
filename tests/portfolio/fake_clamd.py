"""A tiny stand-in for clamd on a UNIX socket (or TCP), answering INSTREAM as told:
"OK", "FOUND", "ERROR", or nothing at all."""

from __future__ import annotations

import contextlib
import shutil
import socket
import struct
import tempfile
import threading
from pathlib import Path

SIGNATURE = "Alongside.Test.Sample"


class FakeClamd:
    def __init__(self, *, tcp: bool = False):
        self.answer = "OK"
        self.received: list[bytes] = []
        # A short folder: a UNIX socket's path may be at most about a hundred characters.
        self._folder = Path(tempfile.mkdtemp(prefix="clamd-"))
        if tcp:
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._socket.bind(("127.0.0.1", 0))
            self.address = f"127.0.0.1:{self._socket.getsockname()[1]}"
        else:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.address = str(self._folder / "clamd.sock")
            self._socket.bind(self.address)
        self._socket.listen(4)
        self._socket.settimeout(0.1)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(10)
            with connection, contextlib.suppress(OSError):
                self._handle(connection)

    def _read(self, connection: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = connection.recv(size - len(data))
            if not part:
                raise OSError("closed")
            data += part
        return data

    def _handle(self, connection: socket.socket) -> None:
        command = self._read(connection, len(b"zINSTREAM\0"))
        assert command == b"zINSTREAM\0"
        body = b""
        while length := struct.unpack(">I", self._read(connection, 4))[0]:
            body += self._read(connection, length)
        self.received.append(body)
        if self.answer == "silent":
            connection.recv(1)  # until the client gives up and closes
            return
        reply = {
            "OK": b"stream: OK",
            "FOUND": f"stream: {SIGNATURE} FOUND".encode(),
            "ERROR": b"INSTREAM size limit exceeded. ERROR",
        }[self.answer]
        connection.sendall(reply + b"\0")

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._socket.close()
        shutil.rmtree(self._folder, ignore_errors=True)
