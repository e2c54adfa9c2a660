"""`make bench`: build a large franchise in a scratch database, serve it with gunicorn under
the production settings, and measure each scenario for a fixed time at 1 and 8 clients.

make bench                                 # 10,000 trainees in 40 partners (+ a 10,000 export)
BENCH_SECONDS=10 make bench                # longer runs
BENCH_ONLY="lesson,CSV" make bench         # only the scenarios whose names contain these
BENCH_KEEP=1 make bench                    # keep the scratch database and the server logs
DATABASE_URL=postgresql://.../scratch make bench   # an EMPTY scratch database: it is filled

Each row: requests answered, requests a second, latency percentiles, the server's CPU time a
request (master and workers, from /proc), SQL statements a request (from the bench-only
X-Statement-Count header) and the CPU time as a multiple of a bare Flask page's. The table is
also written to bench/results/<UTC date>.json (<UTC date>-postgresql.json on PostgreSQL).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench import driver
from bench.build import Size, build
from bench.scenarios import Call, Scenario, scenarios
from bench.server import ROOT, Server

SECRET = "bench-secret-key-bench-secret-key-bench-0123456789"  # noqa: S105 - scratch data only


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _size() -> Size:
    return Size(
        trainees=_env_int("BENCH_TRAINEES", Size.trainees),
        partners=_env_int("BENCH_PARTNERS", Size.partners),
        small_cohort=_env_int("BENCH_SMALL_COHORT", Size.small_cohort),
        large_cohort=_env_int("BENCH_LARGE_COHORT", Size.large_cohort),
        export_trainees=_env_int("BENCH_EXPORT_TRAINEES", Size.export_trainees),
        submissions=_env_int("BENCH_SUBMISSIONS", Size.submissions),
        quiz_pool=_env_int("BENCH_QUIZ_POOL", Size.quiz_pool),
        clients=max(int(c) for c in _concurrencies()),
    )


def _concurrencies() -> list[int]:
    return [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,8").split(",")]


def _stop(signum, _frame):
    raise SystemExit(128 + signum)  # so that the servers are stopped on the way out


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    size = _size()
    seconds = float(os.environ.get("BENCH_SECONDS", "5"))
    warmup = float(os.environ.get("BENCH_WARMUP_SECONDS", "0.5"))
    only = [w.strip().lower() for w in os.environ.get("BENCH_ONLY", "").split(",") if w.strip()]
    results_dir = Path(os.environ.get("BENCH_RESULTS_DIR", ROOT / "bench" / "results"))
    workdir = Path(tempfile.mkdtemp(prefix="alongside-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    server_env = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "EVIDENCE_STORAGE_PATH": str(workdir / "evidence"),
        "TMPDIR": str(workdir),
    }
    os.environ.update({"SECRET_KEY": SECRET, "DATABASE_URL": url})

    started = time.perf_counter()
    world, cookie, dialect = _build(size, workdir)
    build_seconds = time.perf_counter() - started
    print(f"Built {world.summary()} in {build_seconds:.1f} s on {dialect}.", flush=True)

    bare = Scenario("bare Flask page", lambda client: iter(lambda: Call("GET", "/"), None))
    memory = {"bare Flask page": {}, "Alongside": {}}
    rows = _measure(
        Server("bench.bare:app", server_env, workdir / "gunicorn-bare.log"),
        [bare],
        seconds,
        warmup,
        memory["bare Flask page"],
    )
    runs = len(_concurrencies()) + (1 if warmup > 0 else 0)
    chosen = [s for s in scenarios(world, cookie, runs) if not only or _wanted(s.name, only)]
    rows += _measure(
        Server("bench.wsgi:app", server_env, workdir / "gunicorn.log"),
        chosen,
        seconds,
        warmup,
        memory["Alongside"],
    )
    _add_ratios(rows)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": dialect,
        "size": asdict(size),
        "build_seconds": round(build_seconds, 1),
        "seconds_per_run": seconds,
        "server": "gunicorn, deploy/gunicorn.conf.py, 2 workers",
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "rows": rows,
        "memory_mib": memory,
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    # SQLite's under the day's date; another database's beside it, named.
    name = f"{datetime.now(UTC):%Y-%m-%d}" + ("" if dialect == "sqlite" else f"-{dialect}")
    out = results_dir / f"{name}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(rows))
    print()
    print(memory_table(memory))
    print(f"\nWritten to {out}.")
    failed = [row for row in rows if row["errors"] or not row["requests"]]
    for row in failed:
        print(f"{row['scenario']} (c={row['clients']}): {row['errors']} errors", file=sys.stderr)
        for line in row["first_errors"]:
            print(f"  {line}", file=sys.stderr)
    if failed or os.environ.get("BENCH_KEEP"):
        print(f"The database, files and server logs are kept in {workdir}.", file=sys.stderr)
        return 1 if failed else 0
    shutil.rmtree(workdir)
    return 0


def _wanted(name: str, only: list[str]) -> bool:
    return any(word in name.lower() for word in only)


def _build(size: Size, workdir: Path):
    from lms import create_app
    from lms.core.migrations import upgrade
    from lms.extensions import db

    app = create_app(
        {
            "MAIL_BACKEND": "locmem",
            "EVIDENCE_STORAGE_PATH": str(workdir / "evidence"),
        }
    )
    with app.app_context():
        upgrade(app.config["SQLALCHEMY_ENGINES"]["default"])
        world = build(db.session, app, size)
        db.session.commit()
        dialect = db.engine.dialect.name
        db.engine.dispose()
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]

    def cookie(token: str) -> str:
        return f"{name}={serializer.dumps({'_user_id': token, '_fresh': True})}"

    return world, cookie, dialect


def _measure(
    server: Server, chosen: list[Scenario], seconds: float, warmup: float, memory: dict
) -> list:
    """Each scenario at each concurrency; `memory` gets the server's memory when idle after
    start-up and the most it held after any run (master and workers, MiB)."""
    rows = []
    try:
        server.wait_ready()
        memory["idle"] = server.memory_mib()
        memory["peak"] = dict(memory["idle"])
        for scenario in chosen:
            if warmup > 0:
                if scenario.start_run:
                    scenario.start_run()
                driver.run(server.port, scenario, 2, warmup)
            for clients in _concurrencies():
                if scenario.start_run:
                    scenario.start_run()
                before = server.cpu_seconds()
                tally, elapsed = driver.run(server.port, scenario, clients, seconds)
                cpu = server.cpu_seconds() - before
                now = server.memory_mib()
                memory["peak"] = {k: max(v, now[k]) for k, v in memory["peak"].items()}
                row = _row(scenario.name, clients, tally, elapsed, cpu)
                rows.append(row)
                print(_line(row), flush=True)
    finally:
        server.stop()
    return rows


def _row(name: str, clients: int, tally: driver.Tally, elapsed: float, cpu: float) -> dict:
    latencies = sorted(x * 1000 for x in tally.latencies)
    count = len(latencies)

    def pct(p: int) -> float:
        if count < 2:
            return round(latencies[0], 1) if latencies else 0.0
        return round(statistics.quantiles(latencies, n=100, method="inclusive")[p - 1], 1)

    return {
        "scenario": name,
        "clients": clients,
        "requests": count,
        "errors": len(tally.errors),
        "first_errors": tally.errors[:3],
        "ran_out": tally.exhausted,
        "seconds": round(elapsed, 2),
        "rps": round(count / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "cpu_ms_per_request": round(cpu * 1000 / count, 1) if count else None,
        "statements_per_request": (
            round(statistics.fmean(tally.statements), 1) if tally.statements else None
        ),
    }


def _add_ratios(rows: list[dict]) -> None:
    bare = {r["clients"]: r["cpu_ms_per_request"] for r in rows if r["scenario"].startswith("bare")}
    for row in rows:
        base = bare.get(row["clients"])
        cpu = row["cpu_ms_per_request"]
        row["cpu_vs_bare"] = round(cpu / base, 1) if base and cpu is not None else None


HEADER = (
    f"{'scenario':<34} {'c':>2} {'requests':>8} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} "
    f"{'p99 ms':>8} {'CPU ms/req':>10} {'SQL/req':>7} {'x bare':>7}"
)


def _line(row: dict) -> str:
    def num(value, spec):
        return format(value, spec) if value is not None else format("-", spec.split(".")[0])

    flags = (" ERRORS" if row["errors"] else "") + (" (pool used up)" if row["ran_out"] else "")
    return (
        f"{row['scenario']:<34} {row['clients']:>2} {row['requests']:>8} {row['rps']:>7.1f} "
        f"{row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} "
        f"{num(row['cpu_ms_per_request'], '>10.1f')} "
        f"{num(row['statements_per_request'], '>7.1f')} "
        f"{num(row.get('cpu_vs_bare'), '>7.1f')}{flags}"
    )


def table(rows: list[dict]) -> str:
    return "\n".join([HEADER, "-" * len(HEADER), *(_line(row) for row in rows)])


def memory_table(memory: dict) -> str:
    lines = ["server memory, master + workers (MiB)   idle RSS  idle PSS  peak RSS  peak PSS"]
    for name, figures in memory.items():
        if figures:
            idle, peak = figures["idle"], figures["peak"]
            lines.append(
                f"{name:<38} {idle['rss']:>9.1f} {idle['pss']:>9.1f} "
                f"{peak['rss']:>9.1f} {peak['pss']:>9.1f}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
