#!/usr/bin/env bash
# Every state a SIGKILL can leave a statistics file in, checked: runs tests/Jaqmc.Hdf5CrashChild under wlog.so (which
# logs each write the process makes to train_stats.h5), kills it, then replays the log write by write onto the
# file it started from (and with --pages each write cut at every 4 KiB page boundary, as the kernel can cut it on a
# fatal signal) and checks every resulting file with libhdf5: it opens and every row before the shortest dataset's
# length is exact. Output: one line per failing state, then a summary. Needs gcc and libhdf5 (1.10, soname .103).
# Usage: scripts/hdf5-crash-states/run.sh [seconds=0.4] [initial step=0] [chunk size=4096] [--pages]
# (build tests/Jaqmc.Tests in Release first; an initial step > 0 resumes the file already in $DIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-0.4}; initial=${2:-0}; chunk=${3:-4096}; pages=${4:-}
out=${OUT:-/tmp/jaqmc-crash-states}; dir=${DIR:-$out/run}
lib=$( (ls /usr/lib/*/libhdf5_serial.so.103 /usr/lib/*/libhdf5.so.103 2>/dev/null || true) | head -n 1)
[ -n "$lib" ] || { echo "run.sh: libhdf5 1.10 (soname .103) not found" >&2; exit 1; }
mkdir -p "$out" "$dir"
gcc -O2 -shared -fPIC -o "$out/wlog.so" "$here/wlog.c" -ldl
gcc -O2 -o "$out/replay" "$here/replay.c" "$lib" -lm
child=$(ls "$here"/../../tests/Jaqmc.Hdf5CrashChild/bin/Release/*/Jaqmc.Hdf5CrashChild.dll | head -n 1)
rm -f "$dir/log" "$dir/log.base"
JAQMC_CRASH_CHUNK_SIZE=$chunk H5LOG="$dir/log" H5LOG_TARGET=train_stats.h5 LD_PRELOAD="$out/wlog.so" \
  dotnet "$child" "$dir" "$initial" 1 > "$dir/child.out" &
pid=$!
until grep -q ready "$dir/child.out" 2>/dev/null; do sleep 0.05; done
sleep "$seconds"
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
HDF5_USE_FILE_LOCKING=FALSE "$out/replay" "$dir/log" "$dir/replayed.h5" $pages
