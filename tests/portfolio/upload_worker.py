"""A process that adds one file to one piece of evidence, as the upload path does, and stops
dead at a chosen point so that the test can kill it there (tests/portfolio/test_durability.py).

    python -m tests.portfolio.upload_worker CONFIG_JSON EVIDENCE_ID SIZE POINT

At POINT it prints `at POINT` and waits to be killed; POINT "done" runs to the end.
"""

from __future__ import annotations

import json
import sys
import time

POINTS = ("receiving", "staged", "held", "flushed", "committed", "done")


def pause(point: str, wanted: str) -> None:
    if point == wanted:
        print(f"at {point}", flush=True)
        time.sleep(120)
        raise SystemExit("not killed")


class SlowStream:
    """`size` bytes of text, one chunk per read; pauses after the first when asked to."""

    def __init__(self, size: int, point: str):
        self.remaining, self.point, self.reads = size, point, 0

    def read(self, n: int = -1) -> bytes:
        if self.reads == 1:
            pause("receiving", self.point)
        self.reads += 1
        n = min(1024 * 1024 if n < 0 else n, self.remaining)
        self.remaining -= n
        return (b"I listened more than I spoke.\n" * (n // 30 + 1))[:n]


def main(config_json: str, evidence_id: str, size: str, point: str) -> None:
    from lms import create_app, portfolio
    from lms.accounts.models import User
    from lms.extensions import db
    from lms.portfolio import operations, storage, uploads
    from lms.portfolio.models import Evidence

    assert point in POINTS, point
    real_receive, real_hold, real_keep = (
        uploads.receive,
        storage.hold,
        storage.LocalFolderStorage.keep,
    )

    def receive(*args, **kwargs):
        staged = real_receive(*args, **kwargs)
        pause("staged", point)
        return staged

    def hold(*args, **kwargs):
        held = real_hold(*args, **kwargs)
        pause("held", point)
        return held

    def keep(self, staged):
        pause("committed", point)
        return real_keep(self, staged)

    uploads.receive, storage.hold, storage.LocalFolderStorage.keep = receive, hold, keep
    assert portfolio  # the package is imported before its modules are patched
    app = create_app(json.loads(config_json))
    with app.app_context():
        evidence = db.session.get(Evidence, int(evidence_id))
        operations.attach_file(
            db.session,
            storage.current_storage(),
            evidence,
            db.session.get(User, evidence.owner_id),
            SlowStream(int(size), point),
            "notes.txt",
            max_bytes=app.config["MAX_CONTENT_LENGTH"],
            quota_bytes=app.config["EVIDENCE_QUOTA_BYTES"],
        )
        pause("flushed", point)
        db.session.commit()
    print("at done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
