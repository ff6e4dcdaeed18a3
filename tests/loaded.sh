#!/usr/bin/env bash
# make check-loaded: the whole suite while every core is kept busy by
# another process (one `yes >/dev/null` per online CPU), as on a shared CI
# machine. The loops are ended however the suite ends.
set -u
n=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
pids=()
stop() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
trap stop EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$n"); do
	yes >/dev/null &
	pids+=($!)
done
echo "check-loaded: $n busy loops (pids ${pids[*]}) beside the suite"
"${MAKE:-make}" --no-print-directory check "$@"
