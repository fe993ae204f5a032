#!/usr/bin/env bash
# Starts (or stops) a throw-away PostgreSQL for the integration tests and prints its JDBC URL.
#   scripts/postgres.sh start   -> prints jdbc:postgresql://127.0.0.1:PORT/postgres?user=postgres
#   scripts/postgres.sh stop
# Settings: INCUBATOR_PG_DIR (default /tmp/incubator-pg), INCUBATOR_PG_PORT (default 55432).
# Throw-away means no fsync: a crash of the machine may lose the database, a crash of a test or of the server
# process loses nothing. Needs the PostgreSQL server binaries (Debian: apt-get install postgresql); .ci/run installs them.
set -euo pipefail

dir=${INCUBATOR_PG_DIR:-/tmp/incubator-pg}
port=${INCUBATOR_PG_PORT:-55432}
url="jdbc:postgresql://127.0.0.1:${port}/postgres?user=postgres"

bindir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
  if [ -x "$candidate/initdb" ]; then bindir=$candidate; break; fi
done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then bindir=$(dirname "$(command -v initdb)"); fi
if [ -z "$bindir" ]; then
  echo "postgres.sh: PostgreSQL server binaries not found; install them (apt-get install postgresql)" >&2
  exit 3
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    fi
    echo "$url"
    ;;
  stop)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop|url" >&2
    exit 2
    ;;
esac
