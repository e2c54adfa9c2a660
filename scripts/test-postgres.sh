#!/usr/bin/env bash
# Runs the test suite again on PostgreSQL.
# Arguments are handed to pytest (a file or test to run instead of the whole suite).
# Uses TEST_POSTGRES_URL when set (a server URL whose user may create databases); otherwise
# starts a throw-away PostgreSQL cluster from the machine's PostgreSQL binaries; otherwise
# says plainly that this part did not run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

# The authorisation table (tests/test_authorisation.py: every route, every role, own and
# foreign ids, through HTTP) runs on SQLite only: it is half the suite's time, and what in it
# depends on the database is checked on PostgreSQL too, by each rule's SQL form against its
# predicate (tests/test_rule_query_twins.py) and by the isolation and domain tests. The
# benchmark's test (marked bench) builds its own SQLite scratch database whatever the run's,
# so it runs once, in the SQLite pass.
run_suite() {
  local server_url="$1"
  shift
  echo "== Test suite on PostgreSQL =="
  TEST_POSTGRES_URL="$server_url" TEST_DATABASE_URL="${server_url%/*}/alongside_test" \
    "$PY" -m pytest -q -p no:cacheprovider -n "${TEST_WORKERS:-auto}" -m "not browser and not bench" \
      --ignore=tests/test_authorisation.py "$@"
}

# A fresh, empty test database on the server at $1.
fresh_test_database() {
  "$PY" - "$1" <<'PYEOF'
import sys, psycopg
url = sys.argv[1]
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute("DROP DATABASE IF EXISTS alongside_test WITH (FORCE)")
    conn.execute("CREATE DATABASE alongside_test")
PYEOF
}

if [[ -n "${TEST_POSTGRES_URL:-}" ]]; then
  fresh_test_database "$TEST_POSTGRES_URL"
  run_suite "$TEST_POSTGRES_URL" "$@"
  exit 0
fi

source scripts/scratch-postgres.sh
if ! start_scratch_postgres -c fsync=off -c full_page_writes=off; then
  echo "NOTE: the PostgreSQL part of the test suite did NOT run; or set TEST_POSTGRES_URL."
  if [[ "${REQUIRE_POSTGRES:-0}" == "1" ]]; then exit 1; fi
  exit 0
fi
fresh_test_database "$SCRATCH_POSTGRES_URL"
run_suite "$SCRATCH_POSTGRES_URL" "$@"
