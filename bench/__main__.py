"""Build a large data set in a scratch database and report page timings and query counts.

make bench                         # default size
BENCH_TRAINEES=20000 make bench    # bigger
DATABASE_URL=postgresql://... make bench
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench import scenarios


def main() -> int:
    trainees = int(os.environ.get("BENCH_TRAINEES", "3000"))
    repeats = int(os.environ.get("BENCH_REPEATS", "15"))
    workdir = Path(tempfile.mkdtemp(prefix="alongside-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"

    from lms import create_app
    from lms.core.migrations import upgrade
    from lms.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_ENGINES": {
                "default": url.replace("postgresql://", "postgresql+psycopg://", 1)
            },
            "SECRET_KEY": "bench-secret-key-bench-secret-key-bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "locmem",
            "EVIDENCE_STORAGE_PATH": str(workdir / "evidence"),
        }
    )
    started = time.perf_counter()
    with app.app_context():
        upgrade(app.config["SQLALCHEMY_ENGINES"]["default"])
        world = scenarios.build(db.session, app, trainees=trainees, workdir=workdir)
        db.session.commit()
        engine = db.engine
    build_seconds = time.perf_counter() - started
    print(f"Built {world.summary()} in {build_seconds:.1f} s on {engine.dialect.name}.")
    print()

    statements: list[int] = [0]

    def count(*_args):
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    rows = []
    for page in scenarios.pages(world):
        client = app.test_client()
        if page.user is not None:
            scenarios.sign_in(app, client, page.user)
        timings = []
        for _ in range(repeats):
            statements[0] = 0
            t0 = time.perf_counter()
            response = client.get(page.url)
            body = response.get_data()  # streamed downloads are timed to their last byte
            timings.append((time.perf_counter() - t0) * 1000)
            response.close()
            if response.status_code != 200:
                print(f"  {page.name}: HTTP {response.status_code}", file=sys.stderr)
                return 1
        timings.sort()
        rows.append(
            (
                page.name,
                statistics.median(timings),
                timings[int(len(timings) * 0.95) - 1],
                statements[0],
                len(body),
            )
        )
    event.remove(engine, "before_cursor_execute", count)

    print(f"{'page':<44} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'KiB':>7}")
    for name, median, p95, queries, size in rows:
        print(f"{name:<44} {median:>10.1f} {p95:>8.1f} {queries:>8} {size / 1024:>7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
