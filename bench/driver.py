"""The load: threads, each a client with its own keep-alive connection, sending its requests
for a fixed time and timing each one to the last byte of its answer."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field

from bench.scenarios import Call, Scenario


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds
    statements: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exhausted: bool = False


class Client:
    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def send(self, call: Call) -> tuple[int, dict, bytes]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.connection.request(call.method, call.path, call.body, call.headers)
                response = self.connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                # The server closed an idle keep-alive connection: open another, once.
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, dict(response.getheaders()), body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run(port: int, scenario: Scenario, concurrency: int, seconds: float) -> tuple[Tally, float]:
    """Drive `scenario` with `concurrency` clients for `seconds`; returns the tally and the
    time it took (the last requests started before the end are waited for)."""
    tallies = [Tally() for _ in range(concurrency)]
    clock: list[float] = []

    def start_clock() -> None:  # once every client is ready (their requests are made)
        now = time.perf_counter()
        clock[:] = [now, now + seconds]

    start = threading.Barrier(concurrency + 1, action=start_clock)

    def client_loop(number: int) -> None:
        tally = tallies[number]
        calls = scenario.calls(number)
        client = Client(port)
        start.wait()
        try:
            while time.perf_counter() < clock[1]:
                call = next(calls, None)
                if call is None:
                    tally.exhausted = True
                    return
                t0 = time.perf_counter()
                status, headers, body = client.send(call)
                tally.latencies.append(time.perf_counter() - t0)
                if "X-Statement-Count" in headers:
                    tally.statements.append(int(headers["X-Statement-Count"]))
                if status not in call.expect:
                    tally.errors.append(f"{call.method} {call.path}: {status} {body[:200]!r}")
        finally:
            client.close()

    threads = [
        threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - clock[0]
    merged = Tally()
    for tally in tallies:
        merged.latencies += tally.latencies
        merged.statements += tally.statements
        merged.errors += tally.errors
        merged.exhausted |= tally.exhausted
    return merged, elapsed
