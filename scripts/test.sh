#!/usr/bin/env bash
# Runs the whole test suite on a Debian/Ubuntu machine with the .NET SDK:
#   1. installs the native packages the tests need (libhdf5, h5py, pandas, PostgreSQL, Chromium);
#   2. makes Docker ready for the Testcontainers tests (scripts/test-docker.sh start: installs docker.io and starts
#      dockerd without a bridge if no daemon answers, builds the PostgreSQL test image once per machine);
#   3. starts a throwaway PostgreSQL on 127.0.0.1 (scripts/test-postgres.sh start) unless TEST_POSTGRES_CONNECTION
#      names one;
#   4. builds the solution and the program's native build (scripts/build-native.sh: clang, zlib1g-dev), runs
#      `dotnet test`, then stops the server and removes the run's containers (also on failure).
# Run it as root, or as a user with sudo: only apt-get, dockerd, debootstrap and the tests' tmpfs mounts (sudo -n)
# need root. Extra arguments go to `dotnet test` (for example --filter FullyQualifiedName~Csv).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

began=$SECONDS
# chromium (+ a font for its screenshots): the dashboard's browser tests (Playwright drives /usr/bin/chromium; it downloads no browser of its own).
apt_install libhdf5-103-1 hdf5-tools python3-h5py python3-pandas postgresql chromium fonts-liberation

cleanup() {
    rm -f "${test_log:-}"
    if [[ -n "${started_postgres:-}" ]]; then
        scripts/test-postgres.sh stop >/dev/null 2>&1 || true
    fi
    scripts/test-docker.sh stop || true
}
trap cleanup EXIT

docker_began=$SECONDS
eval "$(scripts/test-docker.sh start)"
echo "test.sh: Docker and the PostgreSQL test image ready in $((SECONDS - docker_began))s"

# The integration tests need a server: start a throwaway one unless the caller gives its own.
if [[ -z "${TEST_POSTGRES_CONNECTION:-}" ]]; then
    eval "$(scripts/test-postgres.sh start)"
    started_postgres=1
fi
echo "test.sh: setup took $((SECONDS - began))s"

dotnet build Jaqmc.sln -c Release -warnaserror --nologo -v quiet
# The NativeAOT build of the program (installs clang and zlib1g-dev when missing): NativeBuildTests run it.
native_began=$SECONDS
JAQMC_NATIVE_BINARY=$(bash scripts/build-native.sh artifacts/native)
export JAQMC_NATIVE_BINARY
echo "test.sh: native build ($JAQMC_NATIVE_BINARY) took $((SECONDS - native_began))s"
if [[ $(id -u) -ne 0 ]]; then
    # The disk-full and read-only tests mount a small tmpfs through `sudo -n`: ask for the password now, once.
    sudo -v || echo "test.sh: no sudo: the tests that mount a tmpfs will fail" >&2
fi
test_log=$(mktemp)
status=0
dotnet test Jaqmc.sln -c Release --no-build --nologo --blame-hang-timeout 10m --logger "console;verbosity=normal" "$@" \
    2>&1 | tee "$test_log" || status=$?
if [[ $status -ne 0 ]]; then
    # A CI log is often read from its end: repeat each failure there, with its message and its first test frame.
    echo "test.sh: dotnet test exited with $status; the failed tests:"
    awk '
        /^  Failed / { shown = 1; stack = 0; lines = 0; frames = 0; print; next }
        /^  (Passed|Skipped) / { shown = 0 }
        shown && /^  Stack Trace:/ { stack = 1; next }
        shown && /^  (Error Message:|Standard Output Messages:)/ { stack = 0; if ($0 ~ /Standard/) shown = 0; next }
        shown && !stack && lines < 12 { print; lines++ }
        shown && stack && / in .*Jaqmc\.Tests.*:line / && frames < 2 { print; frames++ }
    ' "$test_log" || true
fi
rm -f "$test_log"
exit "$status"
