#!/usr/bin/env bash
# Makes Docker ready for the Testcontainers tests, without any container registry and with test traffic on
# 127.0.0.1 only (containers use the host's network).
#
#   eval "$(scripts/test-docker.sh start)"   # prints export lines on stdout, progress on stderr
#   scripts/test-docker.sh stop              # removes the containers the tests of this run left behind
#
# start
#   1. uses the Docker engine that answers `docker info`; otherwise installs docker.io when dockerd is missing and
#      starts `dockerd --bridge=none --iptables=false --ip-forward=false ...` in the background (no bridge, no
#      firewall rules, no sysctl changes), waiting at most JAQMC_DOCKERD_WAIT seconds (default 120) for it. That
#      daemon keeps running afterwards, like an installed service (another run may be using it); its pid and log
#      are printed.
#   2. unless TEST_POSTGRES_IMAGE names another image, builds jaqmc/postgres-test:15 from docker/postgres-test when
#      it is missing or was built from other files. Its base, jaqmc/pg-base:15, is a Debian bookworm minbase rootfs
#      with postgresql-15, made by debootstrap from this machine's Debian mirror (DEBIAN_MIRROR overrides) and
#      `docker import`ed: one to three minutes, once per machine, since Docker keeps images between runs.
#   3. prints TEST_POSTGRES_IMAGE, DOCKER_API_VERSION (the daemon's, unless set: Testcontainers' client is newer
#      than Debian's dockerd), TESTCONTAINERS_RYUK_DISABLED=true unless set (Ryuk is an image from a registry;
#      `stop` removes this run's containers instead) and JAQMC_TEST_RUN, the label value the tests put on their
#      containers (label jaqmc.test-run).
#
# Root is needed for apt-get, dockerd and debootstrap only; as another user they go through sudo, and a daemon
# started that way gives its socket to the user's primary group.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$(dirname "$0")/.."

LOCAL_IMAGE=jaqmc/postgres-test:15
BASE_IMAGE=jaqmc/pg-base:15
RECIPE_DIR=docker/postgres-test
RUN_LABEL=jaqmc.test-run

log() { echo "test-docker: $*" >&2; }

daemon_answers() { docker info >/dev/null 2>&1; }

start_daemon() {
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
        # Debian's docker.io would start the daemon with its defaults (a bridge with a private range, iptables
        # rules): keep the package's service from starting, the daemon is started below with the flags above.
        local made_policy=0
        if [[ ! -e /usr/sbin/policy-rc.d ]]; then
            as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
            made_policy=1
        fi
        local status=0
        apt_install docker.io || status=$?
        if ((made_policy)); then
            as_root rm -f /usr/sbin/policy-rc.d
        fi
        ((status == 0)) || exit "$status"
    fi

    local answer
    answer=$(docker info 2>&1 >/dev/null) || true
    if [[ "$answer" == *"permission denied"* ]]; then
        log "a Docker daemon runs but $(id -un) may not use /var/run/docker.sock: join its group (sudo usermod -aG docker $(id -un), then log in again) or run this as root"
        exit 1
    fi

    local logfile
    logfile=$(mktemp "${TMPDIR:-/tmp}/jaqmc-dockerd.XXXXXX.log")
    local args=(dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false)
    if [[ $(id -u) -ne 0 ]]; then
        args+=(--group "$(id -gn)")
    fi
    log "no Docker daemon answers: starting ${args[*]} (log: $logfile)"
    local pid
    # setsid and no inherited descriptors: the daemon outlives this script and holds none of its caller's pipes.
    pid=$(as_root sh -c 'setsid "$@" </dev/null >"$0" 2>&1 & echo $!' "$logfile" "${args[@]}")

    local limit="${JAQMC_DOCKERD_WAIT:-120}" start=$SECONDS
    until daemon_answers; do
        if [[ ! -d /proc/$pid ]]; then
            # Another run may have started a daemon at the same moment, and this one gave way to it.
            daemon_answers && break
            log "dockerd (pid $pid) exited before answering; the end of $logfile:"
            tail -n 30 "$logfile" >&2
            exit 1
        fi
        if ((SECONDS - start >= limit)); then
            log "dockerd (pid $pid) did not answer 'docker info' within ${limit}s (JAQMC_DOCKERD_WAIT); the end of $logfile:"
            tail -n 30 "$logfile" >&2
            exit 1
        fi
        sleep 0.5
    done
    log "dockerd answers after $((SECONDS - start))s (pid $pid; it keeps running: stop it with 'kill $pid' as root)"
}

# The Debian mirror apt uses here (deb822 or one-line sources), else deb.debian.org.
debian_mirror() {
    if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
        echo "$DEBIAN_MIRROR"
        return
    fi
    local uri
    uri=$(
        {
            sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
            sed -nE 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
        } | grep -E '^https?://[^[:space:]]+/debian/?$' | head -n 1
    ) || true
    echo "${uri:-http://deb.debian.org/debian}"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

build_base_image() {
    apt_install debootstrap
    local mirror root
    mirror=$(debian_mirror)
    root=$(mktemp -d "${TMPDIR:-/tmp}/jaqmc-pg-rootfs.XXXXXX")
    # debootstrap mounts /proc and /sys inside the rootfs: unmount whatever is left before removing it.
    # shellcheck disable=SC2064
    trap "remove_rootfs '$root'" EXIT
    log "building $BASE_IMAGE: debootstrap --variant=minbase --include=postgresql-15 bookworm from $mirror (one to three minutes, once per machine)"
    if ! as_root debootstrap --variant=minbase --include=postgresql-15 bookworm "$root" "$mirror" >"$root.log" 2>&1; then
        log "debootstrap failed; the end of its log ($root.log):"
        tail -n 30 "$root.log" >&2
        exit 1
    fi
    # Downloaded packages, apt lists and the cluster the package made are not needed in the image.
    as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
        "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main
    as_root tar -C "$root" -c . | docker import -m "Debian bookworm minbase + postgresql-15 (scripts/test-docker.sh)" - "$BASE_IMAGE" >/dev/null
    remove_rootfs "$root"
    trap - EXIT
    rm -f "$root.log"
}

remove_rootfs() {
    local root=$1 mount
    for mount in $(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
        as_root umount -l "$mount" || true
    done
    as_root rm -rf --one-file-system "$root"
}

build_local_image() {
    local recipe
    recipe=$(cat "$RECIPE_DIR/Dockerfile" "$RECIPE_DIR/entrypoint.sh" | sha256sum | cut -c1-16)
    if image_exists "$LOCAL_IMAGE" \
        && [[ "$(docker image inspect -f '{{ index .Config.Labels "jaqmc.recipe" }}' "$LOCAL_IMAGE")" == "$recipe" ]]; then
        log "$LOCAL_IMAGE is present and up to date"
        return
    fi
    if ! image_exists "$BASE_IMAGE"; then
        build_base_image
    fi
    log "building $LOCAL_IMAGE from $RECIPE_DIR"
    # The classic builder: the Dockerfile has no RUN step, and BuildKit may be missing with Debian's docker.io.
    local output
    if ! output=$(DOCKER_BUILDKIT=0 docker build --build-arg "BASE=$BASE_IMAGE" --label "jaqmc.recipe=$recipe" -t "$LOCAL_IMAGE" "$RECIPE_DIR" 2>&1); then
        log "docker build failed:"
        echo "$output" >&2
        exit 1
    fi
}

start() {
    local began=$SECONDS
    if ! daemon_answers; then
        start_daemon
    fi
    local image="${TEST_POSTGRES_IMAGE:-$LOCAL_IMAGE}"
    if [[ "$image" == "$LOCAL_IMAGE" ]]; then
        build_local_image
    else
        log "TEST_POSTGRES_IMAGE=$image: not built here (Testcontainers pulls it when it is missing)"
    fi
    local api
    api=$(docker version --format '{{.Server.APIVersion}}')
    log "Docker $(docker version --format '{{.Server.Version}}') (API $api) ready in $((SECONDS - began))s; image $image"

    echo "export TEST_POSTGRES_IMAGE='$image'"
    echo "export DOCKER_API_VERSION='${DOCKER_API_VERSION:-$api}'"
    echo "export TESTCONTAINERS_RYUK_DISABLED='${TESTCONTAINERS_RYUK_DISABLED:-true}'"
    echo "export JAQMC_TEST_RUN='${JAQMC_TEST_RUN:-$(date +%Y%m%d%H%M%S)-$$}'"
}

stop() {
    if [[ -z "${JAQMC_TEST_RUN:-}" ]]; then
        log "JAQMC_TEST_RUN is not set: no containers to remove"
        return 0
    fi
    local ids
    ids=$(docker ps -aq --filter "label=$RUN_LABEL=$JAQMC_TEST_RUN" 2>/dev/null) || true
    if [[ -n "$ids" ]]; then
        # Some may be on their way out already (removed by the test process as it exits): that is fine.
        # shellcheck disable=SC2086
        docker rm -f $ids >/dev/null 2>&1 || true
        log "removed $(wc -w <<<"$ids") leftover container(s) of run $JAQMC_TEST_RUN"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *)
        echo "usage: $0 start|stop" >&2
        exit 2
        ;;
esac
