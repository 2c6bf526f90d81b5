#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for the tests and the benchmark, without Docker.
#
#   eval "$(scripts/test-postgres.sh start)"   # prints export lines on stdout, progress on stderr
#   scripts/test-postgres.sh stop              # stops the cluster named by TEST_POSTGRES_DATADIR (or the last one started)
#
# start installs Debian's postgresql when no server binaries are found (as root or through sudo, non-interactively),
# initdb's a cluster in a fresh temp directory, starts it on 127.0.0.1 at a free port with a random password (as the
# postgres user when run as root, else as the caller: no root needed once the binaries are there), and prints:
#   TEST_POSTGRES_CONNECTION  an Npgsql connection string
#   TEST_POSTGRES_DATADIR     the data directory
#   TEST_POSTGRES_PGCTL       a pg_ctl wrapper that runs as the cluster's owner (tests use it to stop/start the server)
set -euo pipefail
source "$(dirname "$0")/common.sh"

STATE_FILE="${TEST_POSTGRES_STATE:-${TMPDIR:-/tmp}/jaqmc-test-postgres.state}"

log() { echo "test-postgres: $*" >&2; }

find_pgbin() {
    local dir
    # Highest installed major version first.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/initdb" ]]; then
        pg_config --bindir
        return 0
    fi
    return 1
}

free_port() {
    # 30000-32767: below Linux's ephemeral range (32768-60999), where the tests' own client sockets take local ports
    # that a server restarted after an outage could then not bind, and above the tests' LoopbackPorts (20000-29999).
    local port
    for _ in $(seq 1 200); do
        port=$((30000 + RANDOM % 2768))
        # A refused connection means nobody listens there.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    log "no free port found"
    return 1
}

start() {
    local pgbin
    if ! pgbin=$(find_pgbin); then
        # As root, or through sudo: the only step here that needs root.
        apt_install postgresql || { log "PostgreSQL server binaries are missing and could not be installed (apt-get install postgresql)"; exit 1; }
        pgbin=$(find_pgbin)
    fi

    # As root the cluster belongs to the postgres user (initdb refuses to run as root); otherwise to the caller.
    local owner run_as=()
    if [[ $(id -u) -eq 0 ]]; then
        owner=postgres
        run_as=(runuser -u postgres --)
    else
        owner=$(id -un)
    fi

    local dir port password
    dir=$(mktemp -d "${TMPDIR:-/tmp}/jaqmc-pg.XXXXXX")
    chmod 755 "$dir"
    install -d -o "$owner" -m 700 "$dir/data" "$dir/run"
    password=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 32)

    # The password goes through a file only the owner reads, never a command line.
    (umask 077; printf '%s\n' "$password" >"$dir/run/pwfile")
    chown "$owner" "$dir/run/pwfile"
    "${run_as[@]}" "$pgbin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/run/pwfile" -E UTF8 \
        --locale=C.UTF-8 --auth-host=scram-sha-256 --auth-local=trust >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/run/pwfile"

    # Another process may take the port between the probe and the bind: then try another one.
    local attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        rm -f "$dir/run/log"
        if "${run_as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/run/log" -w \
            -o "-p $port -c listen_addresses=127.0.0.1 -k $dir/run -c max_connections=200" start >&2; then
            break
        fi
        if [[ $attempt -eq 5 ]] || ! grep -q "Address already in use" "$dir/run/log"; then
            cat "$dir/run/log" >&2
            exit 1
        fi
        log "port $port was taken before the server bound it; trying another"
    done

    # A wrapper so tests can stop and start the server without knowing who owns it.
    cat >"$dir/pgctl" <<EOF
#!/usr/bin/env bash
exec ${run_as[*]} "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/run/log" -w -o "-p $port -c listen_addresses=127.0.0.1 -k $dir/run -c max_connections=200" "\$@"
EOF
    chmod 755 "$dir/pgctl"

    echo "$dir" >"$STATE_FILE"
    log "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$port (data in $dir/data)"
    echo "export TEST_POSTGRES_CONNECTION='Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=postgres'"
    echo "export TEST_POSTGRES_DATADIR='$dir/data'"
    echo "export TEST_POSTGRES_PGCTL='$dir/pgctl'"
}

stop() {
    local dir=""
    if [[ -n "${TEST_POSTGRES_DATADIR:-}" ]]; then
        dir=$(dirname "$TEST_POSTGRES_DATADIR")
    elif [[ -f "$STATE_FILE" ]]; then
        dir=$(cat "$STATE_FILE")
    fi
    if [[ -z "$dir" || ! -d "$dir/data" ]]; then
        log "no cluster to stop"
        return 0
    fi
    "$dir/pgctl" -m fast stop >&2 || log "pg_ctl stop failed (already stopped?)"
    rm -rf "$dir"
    if [[ -f "$STATE_FILE" && "$(cat "$STATE_FILE")" == "$dir" ]]; then
        rm -f "$STATE_FILE"
    fi
    log "stopped and removed $dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *)
        echo "usage: $0 start|stop" >&2
        exit 2
        ;;
esac
