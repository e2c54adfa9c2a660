"""`make bench` end to end on a tiny franchise for a fraction of a second a run: every
scenario is served by gunicorn under the production settings and answered without an error,
beside the bare Flask page it is compared with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Every scenario the benchmark promises, by a word of its name.
SCENARIOS = [
    "sign-in",
    "trainee home",
    "lesson",
    "quiz answer and hand-in",
    "portfolio",
    "upload",
    "assessor queue",
    "judge",
    "cohort progress (3)",
    "cohort progress (10)",
    "partner overview",
    "franchise overview",
    "API list",
    "CSV export (30 trainees)",
]


@pytest.mark.bench
def test_every_scenario_is_measured_beside_the_bare_page(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "BENCH_ONLY")  # the bench's own scratch SQLite
    }
    env.update(
        BENCH_TRAINEES="40",
        BENCH_PARTNERS="2",
        BENCH_SMALL_COHORT="3",
        BENCH_LARGE_COHORT="10",
        BENCH_EXPORT_TRAINEES="30",
        BENCH_SUBMISSIONS="3",
        BENCH_QUIZ_POOL="12",
        BENCH_UPLOAD_BYTES="200000",
        BENCH_SECONDS="0.2",
        BENCH_WARMUP_SECONDS="0",
        BENCH_CONCURRENCY="1,2",
        BENCH_RESULTS_DIR=str(tmp_path),
        SQLITE_SYNCHRONOUS="OFF",
    )
    run = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    (written,) = tmp_path.glob("*.json")
    report = json.loads(written.read_text())
    rows = report["rows"]
    assert {row["clients"] for row in rows} == {1, 2}
    bare = [row for row in rows if row["scenario"] == "bare Flask page"]
    assert len(bare) == 2
    assert all(row["statements_per_request"] is None for row in bare)
    for word in SCENARIOS:
        measured = [row for row in rows if word in row["scenario"]]
        assert len(measured) == 2, word  # at 1 and at 2 clients
        for row in measured:
            assert row["requests"] > 0, row
            assert row["errors"] == 0, row
            assert row["statements_per_request"] > 0, row
            assert row["cpu_ms_per_request"] >= 0, row
            assert row["cpu_vs_bare"] is not None, row
    assert "bare Flask page" in run.stdout
    assert "CPU ms/req" in run.stdout
    # The server's memory, idle and at its most under load, for both servers.
    for server in ("bare Flask page", "Alongside"):
        figures = report["memory_mib"][server]
        assert 0 < figures["idle"]["pss"] <= figures["peak"]["pss"], figures
        assert figures["peak"]["pss"] <= figures["peak"]["rss"], figures
