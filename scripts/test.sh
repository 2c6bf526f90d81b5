#!/usr/bin/env bash
# Runs the whole test suite on a Debian/Ubuntu machine with the .NET SDK:
# installs the native packages the tests need, starts a throwaway PostgreSQL on 127.0.0.1, runs `dotnet test`,
# and stops the server again (also on failure). Needs root (or sudo) for apt-get and for running PostgreSQL as
# the postgres user. Extra arguments go to `dotnet test` (for example --filter FullyQualifiedName~Csv).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

packages=(libhdf5-103-1 hdf5-tools python3-h5py python3-pandas postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "test.sh: installing ${missing[*]} needs root or sudo" >&2; exit 1; }
    as_root=(sudo -E)
  fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The integration tests need a server: start a throwaway one unless the caller gives its own.
if [[ -z "${TEST_POSTGRES_CONNECTION:-}" ]]; then
  eval "$(scripts/test-postgres.sh start)"
  trap 'scripts/test-postgres.sh stop >/dev/null 2>&1 || true' EXIT
fi

dotnet build Jaqmc.sln -c Release -warnaserror --nologo -v quiet
dotnet test Jaqmc.sln -c Release --no-build --nologo --blame-hang-timeout 10m --logger "console;verbosity=normal" "$@"
