#!/bin/sh
# Creates a fresh cluster in a temporary directory (nothing survives the container), then runs the command, e.g.
#   postgres -c listen_addresses=127.0.0.1         (port: PGPORT, default 5432)
# Environment as in the official image: POSTGRES_PASSWORD (required), POSTGRES_USER (default postgres).
set -eu
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
PGDATA=$(mktemp -d /tmp/pgdata.XXXXXX)
export PGDATA
pwfile=$(mktemp /tmp/pwfile.XXXXXX)
printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
if ! initdb -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-host=scram-sha-256 --auth-local=trust >/tmp/initdb.log 2>&1; then
    cat /tmp/initdb.log >&2
    exit 1
fi
rm -f "$pwfile"
# The socket goes where the postgres user can write whatever the rootfs holds; clients use TCP on 127.0.0.1.
echo "unix_socket_directories = '/tmp'" >>"$PGDATA/postgresql.conf"
exec "$@"
