#!/usr/bin/env bash
# Installs (when missing) and starts a local PostgreSQL for the store tests, then
# prints the connection URL. Used by .ci/run; handy on a developer machine too.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
datadir=${PGDATA_DIR:-/tmp/hypereal-pg}
port=${PGPORT_TEST:-55432}
if [ ! -f "$datadir/PG_VERSION" ]; then
  mkdir -p "$datadir"
  chown postgres:postgres "$datadir"
  su postgres -c "$pgbin/initdb -D $datadir -A trust -U postgres" >&2
fi
if ! su postgres -c "$pgbin/pg_ctl -D $datadir status" >/dev/null 2>&1; then
  su postgres -c "$pgbin/pg_ctl -D $datadir -l $datadir/server.log -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200' -w start" >&2
fi
su postgres -c "psql -h 127.0.0.1 -p $port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='hypereal_test'\"" | grep -q 1 ||
  su postgres -c "psql -h 127.0.0.1 -p $port -U postgres -c 'CREATE DATABASE hypereal_test'" >&2
echo "postgres://postgres@127.0.0.1:$port/hypereal_test"
