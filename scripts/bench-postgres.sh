#!/usr/bin/env bash
# `make bench` on PostgreSQL: a throw-away cluster with the server's default durability
# (unlike the test run, fsync stays on), or the empty scratch database BENCH_POSTGRES_URL names.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
if [[ -n "${BENCH_POSTGRES_URL:-}" ]]; then
  DATABASE_URL="$BENCH_POSTGRES_URL" exec "$PY" -m bench
fi
source scripts/scratch-postgres.sh
start_scratch_postgres
"$PY" -c "import sys, psycopg; psycopg.connect(sys.argv[1], autocommit=True).execute('CREATE DATABASE alongside_bench')" "$SCRATCH_POSTGRES_URL"
DATABASE_URL="${SCRATCH_POSTGRES_URL%/*}/alongside_bench" "$PY" -m bench
