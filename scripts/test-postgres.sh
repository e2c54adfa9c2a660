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
# predicate (tests/test_rule_query_twins.py) and by the isolation and domain tests.
run_suite() {
  local server_url="$1"
  shift
  echo "== Test suite on PostgreSQL =="
  TEST_POSTGRES_URL="$server_url" TEST_DATABASE_URL="${server_url%/*}/alongside_test" \
    "$PY" -m pytest -q -p no:cacheprovider -n "${TEST_WORKERS:-auto}" -m "not browser" \
      --ignore=tests/test_authorisation.py "$@"
}

if [[ -n "${TEST_POSTGRES_URL:-}" ]]; then
  "$PY" - "$TEST_POSTGRES_URL" <<'PYEOF'
import sys, psycopg
url = sys.argv[1]
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute("DROP DATABASE IF EXISTS alongside_test WITH (FORCE)")
    conn.execute("CREATE DATABASE alongside_test")
PYEOF
  run_suite "$TEST_POSTGRES_URL" "$@"
  exit 0
fi

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$PGBIN" || ! -x "$PGBIN/initdb" ]]; then
  echo "NOTE: the PostgreSQL part of the test suite did NOT run: no PostgreSQL server on this"
  echo "      machine. Install one (apt-get install postgresql) or set TEST_POSTGRES_URL."
  if [[ "${REQUIRE_POSTGRES:-0}" == "1" ]]; then exit 1; fi
  exit 0
fi

WORK=$(mktemp -d /tmp/alongside-pg.XXXXXX)
PORT=$(( 20000 + RANDOM % 20000 ))
AS=()
if [[ $(id -u) == 0 ]]; then
  # PostgreSQL refuses to run as root.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$WORK"
  AS=(runuser -u postgres --)
fi
cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
"${AS[@]}" "$PGBIN/initdb" -D "$WORK/data" -A trust -U alongside >/dev/null
"${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
"${AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U alongside alongside_test
run_suite "postgresql://alongside@127.0.0.1:$PORT/postgres" "$@"
