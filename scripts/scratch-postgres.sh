# Sourced by scripts that need a PostgreSQL server for a while: `start_scratch_postgres [opts]`
# starts a throw-away cluster from the machine's PostgreSQL binaries on a free local port,
# sets SCRATCH_POSTGRES_URL (a server URL whose user may create databases) and removes the
# cluster when the calling script exits. Extra arguments are server settings (`-c name=value`).
# Returns 1, having said why, when the machine has no PostgreSQL.

start_scratch_postgres() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$PGBIN" || ! -x "$PGBIN/initdb" ]]; then
    echo "NOTE: no PostgreSQL server on this machine. Install one (apt-get install postgresql)."
    return 1
  fi
  SCRATCH_WORK=$(mktemp -d /tmp/alongside-pg.XXXXXX)
  local port=$(( 20000 + RANDOM % 20000 ))
  SCRATCH_AS=()
  if [[ $(id -u) == 0 ]]; then
    # PostgreSQL refuses to run as root.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$SCRATCH_WORK"
    SCRATCH_AS=(runuser -u postgres --)
  fi
  trap stop_scratch_postgres EXIT
  "${SCRATCH_AS[@]}" "$PGBIN/initdb" -D "$SCRATCH_WORK/data" -A trust -U alongside >/dev/null
  "${SCRATCH_AS[@]}" "$PGBIN/pg_ctl" -D "$SCRATCH_WORK/data" -l "$SCRATCH_WORK/log" -w \
    -o "-p $port -k $SCRATCH_WORK -c listen_addresses=127.0.0.1 $*" start >/dev/null
  SCRATCH_POSTGRES_URL="postgresql://alongside@127.0.0.1:$port/postgres"
}

stop_scratch_postgres() {
  "${SCRATCH_AS[@]}" "$PGBIN/pg_ctl" -D "$SCRATCH_WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$SCRATCH_WORK"
}
