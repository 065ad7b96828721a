#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on loopback, then stop and remove it.
#
#   tests/with_postgres.sh .venv/bin/pytest -n 2 -q
#
# Debian's PostgreSQL server (installed with apt when missing) is initialised in a temporary
# folder, owned by the `postgres` system user, listening on 127.0.0.1 on a free port only, with
# durability switched off (fsync, full pages, synchronous commit): the data dies with the run.
# The command sees LIBRARY_TEST_DATABASE_URL, the cluster's server URL (database `postgres`);
# tests/conftest.py makes its databases there. The cluster is stopped and removed on any exit.
set -euo pipefail

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  echo "with_postgres: installing Debian's PostgreSQL server" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql postgresql-contrib >/dev/null
fi
BIN="$(pg_bin)"

# The server refuses to run as root: use the `postgres` system user (created if missing).
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  RUN_AS=(runuser -u postgres --)
fi

DIR="$(mktemp -d "${TMPDIR:-/tmp}/library-pg.XXXXXX")"
chmod 0755 "$DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"

cleanup() {
  local status=$?
  if [ -f "$DIR/data/postmaster.pid" ]; then
    "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${RUN_AS[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
  --no-sync >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A free port may be taken between the check and the start: try a few.
started=""
for _ in 1 2 3 4 5; do
  PORT="$(free_port)"
  if "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start -o "\
      -c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories='$DIR' \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
      -c max_connections=200 -c shared_buffers=128MB -c max_wal_size=1GB \
      -c checkpoint_timeout=30min -c autovacuum=off" >/dev/null; then
    started=1
    break
  fi
done
if [ -z "$started" ]; then
  cat "$DIR/server.log" >&2
  exit 1
fi

export LIBRARY_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
echo "with_postgres: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
"$@"
