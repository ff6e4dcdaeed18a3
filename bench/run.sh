#!/usr/bin/env bash
# make bench: flametop against perf on the same fixed-work program, side by
# side in one run.  BENCH=full for more repetitions (the figures in
# docs/benchmarks.md); the default quick mode is for iteration.
#
# Measured, each the median of N runs, at 999 Hz with frame-pointer chains:
#   - the target's own wall time alone, under `flametop record -p`, and under
#     `perf record -g -p` (slowdown = the profiler's cost to the target);
#   - the profiler's own CPU time (user+sys): flametop record, and perf record
#     plus `perf report` turning perf.data into a call tree.
set -eu
build=${1:-build}
mode=${BENCH:-quick}
if [ "$mode" = full ]; then runs=7; rounds=150000; else runs=3; rounds=60000; fi
fw="$build/bench/fixedwork"
ft="$build/flametop"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TIMEFORMAT='%U %S'

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# cpu_of CMD... : runs CMD, prints user+sys seconds of CMD itself.
cpu_of() { { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{print $1+$2}'; }

for i in $(seq "$runs"); do
	"$fw" "$rounds" >>"$tmp/base"

	"$fw" "$rounds" 0.3 >>"$tmp/ft_target" & pid=$!
	cpu_of "$ft" record -q -F 999 -p "$pid" >>"$tmp/ft_cpu"
	wait "$pid"

	if command -v perf >/dev/null; then
		"$fw" "$rounds" 0.3 >>"$tmp/perf_target" & pid=$!
		cpu_of perf record -q -F 999 -g -p "$pid" -o "$tmp/perf.data" >>"$tmp/perf_rec_cpu"
		wait "$pid"
		cpu_of perf report --stdio -g -i "$tmp/perf.data" >>"$tmp/perf_rep_cpu"
	fi
done

base=$(median <"$tmp/base")
ftt=$(median <"$tmp/ft_target")
ftc=$(median <"$tmp/ft_cpu")
echo "flametop bench ($mode: median of $runs runs, 999 Hz, frame pointers)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "event: $("$ft" record -q -d 0.2 -- sleep 1 2>&1 | sed -n 's/.* on \([a-z-]*\), call graph.*/\1/p')"
printf '%-44s %10s %10s %8s\n' "figure" "flametop" "perf" "ratio"
if [ -s "$tmp/perf_target" ]; then
	pt=$(median <"$tmp/perf_target")
	prc=$(median <"$tmp/perf_rec_cpu")
	prp=$(median <"$tmp/perf_rep_cpu")
	awk -v b="$base" -v f="$ftt" -v p="$pt" -v fc="$ftc" -v rc="$prc" -v rp="$prp" 'BEGIN {
		fs = 100 * (f - b) / b; ps = 100 * (p - b) / b
		printf "%-44s %9.2fs %9s\n", "target alone (wall)", b, "-"
		printf "%-44s %9.2fs %9.2fs\n", "target while profiled (wall)", f, p
		printf "%-44s %9.1f%% %9.1f%%\n", "target slowdown", fs, ps
		printf "%-44s %9.3fs %9.3fs %8.2f\n", "profiler CPU: record", fc, rc, fc / rc
		printf "%-44s %9s %9.3fs\n", "profiler CPU: report (call tree)", "-", rp
		printf "%-44s %9.3fs %9.3fs %8.2f\n", "profiler CPU: total", fc, rc + rp, fc / (rc + rp)
		printf "%-44s %9.2f%% %9.2f%%\n", "profiler CPU as share of profiled time", 100 * fc / f, 100 * (rc + rp) / p
	}'
else
	echo "perf not installed: flametop figures only"
	awk -v b="$base" -v f="$ftt" -v fc="$ftc" 'BEGIN {
		printf "target alone %.2fs, profiled %.2fs (%.1f%%), flametop CPU %.3fs\n", b, f, 100*(f-b)/b, fc }'
fi
