#!/usr/bin/env bash
# make bench: flametop against perf on the same fixed-work program, side by
# side in one run.  BENCH=full for more repetitions (the figures in
# docs/benchmarks.md); the default quick mode is for iteration.
#
# For each call-graph mode — frame pointers (flametop --call-graph fp, perf
# -g) and DWARF (flametop's default, perf --call-graph dwarf), both 999 Hz,
# 8192-byte stack copies — each the median of N runs:
#   - the target's own wall time alone and while profiled (slowdown = the
#     profiler's cost to the target);
#   - the profiler's own CPU time (user+sys): flametop record, and perf record
#     plus `perf report` turning perf.data into a call tree.
# Then process churn (300 commands from a shell, 200 forked children):
# wall time and peak RSS beside perf's.
# Then unwinding speed: the same samples replayed through each of flametop's
# unwinders (bench/unwind_bench), beside perf report's samples per second.
# Last, the screen: redraw and key-to-screen times on a 100 000-node tree.
set -eu
build=${1:-build}
mode=${BENCH:-quick}
if [ "$mode" = full ]; then runs=7; rounds=150000; else runs=3; rounds=60000; fi
runs=${BENCH_RUNS:-$runs}
fw="$build/bench/fixedwork"
ft="$build/flametop"
ub="$build/bench/unwind_bench"
# (bench/redraw_bench is run at the end)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TIMEFORMAT='%U %S'
have_perf=$(command -v perf >/dev/null && echo 1 || echo 0)

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# cpu_of CMD... : runs CMD, prints user+sys seconds of CMD itself.
cpu_of() { { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{print $1+$2}'; }

# measure TAG "FLAMETOP ARGS" "PERF ARGS"
measure() {
	local tag=$1 ftargs=$2 pargs=$3 pid
	for i in $(seq "$runs"); do
		"$fw" "$rounds" 0.3 >>"$tmp/${tag}_ft_target" & pid=$!
		# shellcheck disable=SC2086
		cpu_of "$ft" record -q -F 999 $ftargs -p "$pid" >>"$tmp/${tag}_ft_cpu"
		wait "$pid"
		[ "$have_perf" = 1 ] || continue
		"$fw" "$rounds" 0.3 >>"$tmp/${tag}_perf_target" & pid=$!
		# shellcheck disable=SC2086
		cpu_of perf record -q -F 999 $pargs -p "$pid" -o "$tmp/$tag.data" >>"$tmp/${tag}_perf_rec_cpu"
		wait "$pid"
		cpu_of perf report --stdio -g -i "$tmp/$tag.data" >>"$tmp/${tag}_perf_rep_cpu"
		perf script -F tid -i "$tmp/$tag.data" 2>/dev/null | wc -l >"$tmp/${tag}_perf_samples"
	done
}

table() {
	local tag=$1 label=$2 base=$3
	local ftt ftc
	ftt=$(median <"$tmp/${tag}_ft_target")
	ftc=$(median <"$tmp/${tag}_ft_cpu")
	echo
	echo "$label"
	printf '%-44s %10s %10s %8s\n' "figure" "flametop" "perf" "ratio"
	if [ "$have_perf" = 1 ]; then
		awk -v b="$base" -v f="$ftt" -v p="$(median <"$tmp/${tag}_perf_target")" -v fc="$ftc" \
		    -v rc="$(median <"$tmp/${tag}_perf_rec_cpu")" -v rp="$(median <"$tmp/${tag}_perf_rep_cpu")" 'BEGIN {
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
		awk -v b="$base" -v f="$ftt" -v fc="$ftc" 'BEGIN {
			printf "target alone %.2fs, profiled %.2fs (%.1f%%), flametop CPU %.3fs (%.2f%%)\n",
				b, f, 100*(f-b)/b, fc, 100*fc/f }'
	fi
}

# BENCH_PARTS: any of cpu, offcpu, churn, top, machine, first, rss, annotate, screen,
# loaded, runtimes, rtscreen (default: all; rss, annotate and rtscreen's long run
# take 10 minutes each in full mode, 1 in quick).
parts=${BENCH_PARTS:-cpu offcpu churn top machine first rss annotate screen loaded runtimes rtscreen}
part() { case " $parts " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
echo "flametop bench ($mode: median of $runs runs, 999 Hz)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
if part cpu; then
for i in $(seq "$runs"); do "$fw" "$rounds" >>"$tmp/base"; done
measure fp "--call-graph fp" "-g"
measure dwarf "--call-graph dwarf" "--call-graph dwarf"
base=$(median <"$tmp/base")

echo "event: $("$ft" record -q -d 0.2 -- sleep 1 2>&1 | sed -n 's/.* on \([a-z-]*\), call graph.*/\1/p')"
table fp "frame pointers (flametop --call-graph fp, perf record -g)" "$base"
table dwarf "DWARF (flametop default, perf record --call-graph dwarf), 8192-byte stacks" "$base"

# Unwinding: flametop's unwinders on replayed samples (warm caches, one core),
# and perf report's whole processing rate on its own DWARF recording.
echo
echo "unwinding (samples of the fixed-work program, DWARF, one core)"
"$ub" -- "$fw" "$((rounds / 3))" >"$tmp/ub" 2>/dev/null || true
awk '/unwinds\/s/ {sub(":", "", $1); printf "%-44s %9.0f/s  (%s frames/unwind)\n", "unwinds per CPU second: " $1, $2, $4}' "$tmp/ub"
if [ "$have_perf" = 1 ] && [ -s "$tmp/dwarf_perf_samples" ]; then
	awk -v n="$(cat "$tmp/dwarf_perf_samples")" -v t="$(median <"$tmp/dwarf_perf_rep_cpu")" 'BEGIN {
		printf "%-44s %9.0f/s  (all of perf report: read, unwind, sort)\n", "perf report: samples per CPU second", n / t }'
fi

fi

# Off-CPU: a switch-heavy target (two threads handing a byte over pipes,
# every hand-off a block and a wake-up), frame pointers, attached: flametop
# with switch-out stacks (its default), without (--no-offcpu), and perf
# taking the same data (cpu-clock at 999 Hz, a context-switch sample per
# switch-out with its call chain, switch records).  perf record --off-cpu
# needs a BPF build of perf; Debian's has none.
if part offcpu; then
sw="$build/bench/switchy"
swr=$([ "$mode" = full ] && echo 400000 || echo 150000)
for i in $(seq "$runs"); do "$sw" "$swr" >>"$tmp/sw_base"; done
for i in $(seq "$runs"); do
	"$sw" "$swr" >>"$tmp/sw_ft_target" & pid=$!
	cpu_of "$ft" record -q -F 999 --call-graph fp -p "$pid" >>"$tmp/sw_ft_cpu"
	wait "$pid"
	"$sw" "$swr" >>"$tmp/sw_no_target" & pid=$!
	cpu_of "$ft" record -q -F 999 --call-graph fp --no-offcpu -p "$pid" >>"$tmp/sw_no_cpu"
	wait "$pid"
	[ "$have_perf" = 1 ] || continue
	"$sw" "$swr" >>"$tmp/sw_perf_target" & pid=$!
	cpu_of perf record -q -g --switch-events -e cpu-clock/freq=999/ -e cs/period=1/ \
		-p "$pid" -o "$tmp/sw.data" >>"$tmp/sw_perf_cpu"
	wait "$pid"
	cpu_of perf report --stdio -g -i "$tmp/sw.data" >>"$tmp/sw_perf_rep_cpu"
done
echo
echo "off-CPU on a switch-heavy target ($swr pipe hand-offs between two threads; fp; attached)"
printf '%-44s %10s %10s %10s\n' "figure" "flametop" "--no-offcpu" "perf cs"
awk -v b="$(median <"$tmp/sw_base")" -v f="$(median <"$tmp/sw_ft_target")" \
    -v n="$(median <"$tmp/sw_no_target")" -v fc="$(median <"$tmp/sw_ft_cpu")" \
    -v nc="$(median <"$tmp/sw_no_cpu")" \
    -v p="$([ -s "$tmp/sw_perf_target" ] && median <"$tmp/sw_perf_target" || echo 0)" \
    -v pc="$([ -s "$tmp/sw_perf_cpu" ] && median <"$tmp/sw_perf_cpu" || echo 0)" \
    -v pr="$([ -s "$tmp/sw_perf_rep_cpu" ] && median <"$tmp/sw_perf_rep_cpu" || echo 0)" 'BEGIN {
	printf "%-44s %9.2fs\n", "target alone (wall)", b
	printf "%-44s %9.2fs %9.2fs %9.2fs\n", "target while profiled (wall)", f, n, p
	printf "%-44s %9.1f%% %9.1f%% %9.1f%%\n", "target slowdown", 100*(f-b)/b, 100*(n-b)/b, p ? 100*(p-b)/b : 0
	printf "%-44s %9.3fs %9.3fs %9.3fs\n", "profiler CPU: record", fc, nc, pc
	printf "%-44s %9s %9s %9.3fs\n", "profiler CPU: report (call tree)", "-", "-", pr
	if (pc) printf "%-44s %9.2f\n", "ratio flametop / perf record", fc / pc
	if (pc + pr) printf "%-44s %9.2f\n", "ratio flametop / perf record + report", fc / (pc + pr)
}'

fi

# A live screen in a tmux pane (no terminal of our own): TUI COMMAND runs as
# the pane's process; tui_stat prints "CPU-seconds RSS-MiB HWM-MiB" of it.
have_tmux=$(command -v tmux >/dev/null && echo 1 || echo 0)
tsock="flametop-bench-$$"
tui_start() { tmux -L "$tsock" new-session -d -s b -x 200 -y 50 "exec $*"; }
tui_pid() { tmux -L "$tsock" list-panes -t b -F '#{pane_pid}'; }
tui_stop() { tmux -L "$tsock" kill-server 2>/dev/null || true; }
tui_stat() {
	local p=$1 hz
	hz=$(getconf CLK_TCK)
	awk -v hz="$hz" '{print ($14 + $15) / hz}' "/proc/$p/stat" | tr '\n' ' '
	awk '/^VmRSS/ {r=$2} /^VmHWM/ {h=$2} END {printf "%.1f %.1f\n", r/1024, h/1024}' "/proc/$p/status"
}
trap 'tui_stop; rm -rf "$tmp"' EXIT

# perf top beside flametop's screen: the same target (fixed work), the same
# rate (4 kHz) and call-graph mode, 10 s each; CPU and memory of the tool.
if part top && [ "$have_tmux" = 1 ]; then
echo
echo "live view: flametop's screen vs perf top, 4 kHz, 10 s on the fixed-work target"
echo "(perf top -p PID: the same scope as flametop; perf top -a: the whole machine, as"
echo " perf top is usually run; ratio: flametop / perf top -p)"
printf '%-44s %10s %10s %10s %8s\n' "figure" "flametop" "perf top" "perf -a" "ratio"
for mode in fp dwarf; do
	fta=$([ $mode = fp ] && echo "--call-graph fp" || echo "--call-graph dwarf")
	pta=$([ $mode = fp ] && echo "-g" || echo "--call-graph dwarf")
	for tool in ft perf perfa; do
		"$fw" 400000 0.2 >/dev/null & pid=$!
		sleep 0.1
		if [ $tool = ft ]; then
			tui_start "$ft -F 4000 $fta -p $pid"
		elif [ "$have_perf" = 1 ] && [ $tool = perf ]; then
			tui_start "perf top -F 4000 $pta -p $pid"
		elif [ "$have_perf" = 1 ]; then
			tui_start "perf top -F 4000 $pta -a"
		else
			kill "$pid"; wait "$pid" 2>/dev/null; continue
		fi
		sleep 10
		tui_stat "$(tui_pid)" >"$tmp/top_${mode}_$tool"
		tui_stop
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
	done
	read -r fc fr fh <"$tmp/top_${mode}_ft"
	read -r pc pr ph <"$tmp/top_${mode}_perf" 2>/dev/null || { pc=0; pr=0; ph=0; }
	read -r ac ar ah <"$tmp/top_${mode}_perfa" 2>/dev/null || { ac=0; ar=0; ah=0; }
	awk -v m="$mode" -v fc="$fc" -v pc="$pc" -v fr="$fr" -v pr="$pr" -v fh="$fh" -v ph="$ph" \
	    -v ac="$ac" -v ar="$ar" -v ah="$ah" 'BEGIN {
		printf "%-44s %9.2fs %9.2fs %9.2fs %8.2f\n", m ": CPU in 10 s", fc, pc, ac, pc ? fc / pc : 0
		printf "%-44s %8.1fMB %8.1fMB %8.1fMB %8.2f\n", m ": RSS at 10 s", fr, pr, ar, pr ? fr / pr : 0
		printf "%-44s %8.1fMB %8.1fMB %8.1fMB %8.2f\n", m ": peak RSS", fh, ph, ah, ph ? fh / ph : 0
	}'
done
fi

# Process churn: a shell running /bin/true 300 times, and a program forking
# 200 short children; each launched under flametop record and perf record
# (DWARF, then frame pointers), the whole run's wall time and the
# profiler's peak RSS (GNU time), medians of N runs.
if part churn && [ "$have_perf" = 1 ]; then
wall_rss() { /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1; }
churn() { # TAG TITLE COMMAND...
	local tag=$1 title=$2; shift 2
	for i in $(seq "$runs"); do
		wall_rss "$@" >>"$tmp/churn_${tag}_alone"
		wall_rss "$ft" record -q -o "$tmp/c.yaml" -- "$@" >>"$tmp/churn_${tag}_ft_dwarf"
		wall_rss perf record -q -F 999 --call-graph dwarf -o "$tmp/c.data" -- "$@" \
			>>"$tmp/churn_${tag}_perf_dwarf"
		wall_rss "$ft" record -q --call-graph fp -o "$tmp/c.yaml" -- "$@" >>"$tmp/churn_${tag}_ft_fp"
		wall_rss perf record -q -F 999 -g -o "$tmp/c.data" -- "$@" >>"$tmp/churn_${tag}_perf_fp"
	done
	echo
	echo "churn: $title (median of $runs; wall s of the whole run, profiler peak RSS MB)"
	printf '%-30s %9s %9s %7s %9s %9s %7s\n' "" "flametop" "perf" "ratio" "ft RSS" "perf RSS" "ratio"
	printf '%-30s %8.2fs\n' "alone" "$(cut -d' ' -f1 <"$tmp/churn_${tag}_alone" | median)"
	for m in dwarf fp; do
		fw_=$(cut -d' ' -f1 <"$tmp/churn_${tag}_ft_$m" | median)
		pw_=$(cut -d' ' -f1 <"$tmp/churn_${tag}_perf_$m" | median)
		fr_=$(cut -d' ' -f2 <"$tmp/churn_${tag}_ft_$m" | median)
		pr_=$(cut -d' ' -f2 <"$tmp/churn_${tag}_perf_$m" | median)
		awk -v m="$m" -v fw="$fw_" -v pw="$pw_" -v fr="$fr_" -v pr="$pr_" 'BEGIN {
			printf "%-30s %8.2fs %8.2fs %7.2f %7.1fMB %7.1fMB %7.2f\n", m, fw, pw,
			       pw ? fw / pw : 0, fr / 1024, pr / 1024, pr ? fr / pr : 0 }'
	done
}
churn loop "a shell running /bin/true 300 times" bash -c 'for i in $(seq 300); do /bin/true; done'
churn fork "a program forking 200 children" "$build/workloads/forker" 200 1
fi

# The whole machine: one busy loop per CPU (the fixed-work program), then
# flametop -a's screen beside perf top -a, both 999 Hz with DWARF stacks,
# 20 s each in a tmux pane: the tool's CPU and memory; and record -a beside
# perf record -a + perf report, the same way.
if part machine && [ "$have_tmux" = 1 ]; then
secs=$([ "$mode" = full ] && echo 20 || echo 10)
loops() { for c in $(seq "$(nproc)"); do "$fw" 100000000 0.2 >/dev/null & done; }
stop_loops() { pkill -f "$fw 100000000" 2>/dev/null || true; wait 2>/dev/null || true; }
echo
echo "whole machine (-a): every CPU busy ($(nproc) fixed-work loops), 999 Hz, DWARF, ${secs} s"
printf '%-44s %10s %10s %8s\n' "figure" "flametop" "perf" "ratio"
for tool in ft perf; do
	loops
	sleep 0.3
	if [ $tool = ft ]; then
		tui_start "$ft -a -F 999 --call-graph dwarf"
	elif [ "$have_perf" = 1 ]; then
		tui_start "perf top -a -F 999 --call-graph dwarf"
	else
		stop_loops; continue
	fi
	sleep "$secs"
	tui_stat "$(tui_pid)" >"$tmp/machine_top_$tool"
	tui_stop
	stop_loops
done
loops
sleep 0.3
cpu_of "$ft" record -q -a -F 999 --call-graph dwarf -d "$secs" -o "$tmp/a.yaml" >"$tmp/machine_rec_ft"
if [ "$have_perf" = 1 ]; then
	cpu_of perf record -q -a -F 999 --call-graph dwarf -o "$tmp/a.data" -- sleep "$secs" \
		>"$tmp/machine_rec_perf"
	stop_loops
	cpu_of perf report --stdio -g -i "$tmp/a.data" >"$tmp/machine_rep_perf"
fi
stop_loops
read -r fc fr fh <"$tmp/machine_top_ft"
read -r pc pr ph <"$tmp/machine_top_perf" 2>/dev/null || { pc=0; pr=0; ph=0; }
awk -v s="$secs" -v fc="$fc" -v pc="$pc" -v fr="$fr" -v pr="$pr" -v fh="$fh" -v ph="$ph" \
    -v rf="$(cat "$tmp/machine_rec_ft")" -v rp="$(cat "$tmp/machine_rec_perf" 2>/dev/null || echo 0)" \
    -v rr="$(cat "$tmp/machine_rep_perf" 2>/dev/null || echo 0)" 'BEGIN {
	printf "%-44s %9.2fs %9.2fs %8.2f\n", "screen: CPU in " s " s (perf top -a)", fc, pc, pc ? fc / pc : 0
	printf "%-44s %9.2f%% %9.2f%%\n", "screen: share of one core", 100 * fc / s, 100 * pc / s
	printf "%-44s %8.1fMB %8.1fMB %8.2f\n", "screen: RSS at the end", fr, pr, pr ? fr / pr : 0
	printf "%-44s %8.1fMB %8.1fMB %8.2f\n", "screen: peak RSS", fh, ph, ph ? fh / ph : 0
	printf "%-44s %9.2fs %9.2fs %8.2f\n", "record -a (perf record -a + report)", rf, rp + rr, (rp + rr) ? rf / (rp + rr) : 0
}'
fi

# First screen: attach to a running target, time until the pane shows the
# header with the target RUNNING (polled every 5 ms); beside it the same
# wait for a shell that prints at once (tmux's own start).
if part first && [ "$have_tmux" = 1 ]; then
first_ms() {
	local t0 t1
	t0=$(date +%s%N)
	tui_start "$1"
	until tmux -L "$tsock" capture-pane -p -t b 2>/dev/null | grep -q "$2"; do
		sleep 0.005
		[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 10000 ] || break
	done
	t1=$(date +%s%N)
	tui_stop
	echo $(( (t1 - t0) / 1000000 ))
}
"$fw" 2000000 0.2 >/dev/null & pid=$!
sleep 0.3
for i in $(seq "$runs"); do
	first_ms "$ft -p $pid" RUNNING >>"$tmp/first_ft"
	first_ms "sh -c 'echo READY; sleep 5'" READY >>"$tmp/first_sh"
done
kill "$pid"; wait "$pid" 2>/dev/null || true
echo
echo "first screen after attach (median ms, tmux pane, polled every 5 ms)"
printf '%-44s %9s ms\n' "flametop -p PID: header RUNNING" "$(median <"$tmp/first_ft")"
printf '%-44s %9s ms\n' "a shell's first line (tmux's own start)" "$(median <"$tmp/first_sh")"
fi

# Memory over a long run: the screen at 4 kHz, DWARF, on a target that runs
# throughout; RSS every 30 s (10 minutes in full mode, 1 in quick mode).
if part rss && [ "$have_tmux" = 1 ]; then
rss_s=$([ "$mode" = full ] && echo 600 || echo 60)
"$build/workloads/split" 0 >/dev/null & pid=$!
tui_start "$ft -F 4000 --call-graph dwarf -p $pid"
sleep 2
fpid=$(tui_pid)
echo
echo "flametop's screen over $rss_s s at 4 kHz, DWARF (time: CPU-seconds RSS-MiB peak-MiB)"
for t in $(seq 0 30 "$rss_s"); do
	[ "$t" = 0 ] || sleep 30
	printf '%5ss  %s\n' "$t" "$(tui_stat "$fpid")"
done
tui_stop
kill "$pid"; wait "$pid" 2>/dev/null || true
fi

# Annotation's per-instruction counts over a long run: CPython (a big
# interpreter loop, many functions) attached at 4 kHz, DWARF, 10 minutes in
# full mode (1 in quick): places kept, their bytes, flametop's peak RSS.
if part annotate; then
an_s=$([ "$mode" = full ] && echo 600 || echo 60)
py=$(ls -d ~/.pyenv/versions/3.11.*/bin/python3.11 2>/dev/null | tail -1)
py=${py:-$(command -v python3)}
"$py" -c 'import time
def f(n):
    return sum(i * i % 7 for i in range(n))
while True:
    f(10000); sorted(str(i) for i in range(2000))' & pid=$!
sleep 1
/usr/bin/time -f '%M' "$ft" record -q -F 4000 --call-graph dwarf -p "$pid" -d "$an_s" \
	-o "$tmp/an.yaml" 2>"$tmp/an.time" || true
kill "$pid"; wait "$pid" 2>/dev/null || true
echo
echo "annotation counts: CPython attached $an_s s at 4 kHz, DWARF"
awk '/^ *annotation:/ {a = 1; next} a && /places:/ {p = $2} a && /bytes:/ {b = $2}
     a && /dropped:/ {d = $2; a = 0} /^ *samples:/ && !s {s = $2}
     END { printf "%-44s %10d\n%-44s %10d\n%-44s %9.2fMB\n%-44s %10d\n", "samples", s,
	   "per-instruction counts: places", p, "  their memory", b / 1048576, "  dropped", d }' \
	"$tmp/an.yaml"
awk '{printf "%-44s %9.1fMB\n", "flametop record: peak RSS", $1 / 1024}' <(tail -1 "$tmp/an.time")
fi

# The screen: redraw and key-to-screen on a 100 000-node call tree (200x60
# surface, flametop's own work without the terminal's), refresh and export.
if part screen; then
echo
echo "screen (bench/redraw_bench: 100 000-node tree, 200x60, median ms; target <= 30 ms a redraw)"
"$build/bench/redraw_bench" 100000 "$([ "$mode" = full ] && echo 200 || echo 50)"
fi

# A busy machine: one busy loop per CPU (and, beside it, a quiet machine);
# CPython and node, attached (flametop and perf record on one process at the
# same moment) and launched (one after the other). Kept and lost samples
# beside perf's; flametop's late Python reads, how far behind its analysis
# was, and the most its queue held.
if part loaded && [ "$have_perf" = 1 ]; then
py=$(ls -d ~/.pyenv/versions/3.11.*/bin/python3.11 2>/dev/null | tail -1)
node=$(command -v node || true)
ld_s=$([ "$mode" = full ] && echo 8 || echo 4)
perf_kept_lost() { # perf.data -> "kept lost"
	perf report -i "$1" --stats 2>/dev/null | awk '
		/ SAMPLE events:/ { if ($3 > s) s = $3 }
		/LOST_SAMPLES events:/ { l += $3 }
		/^ *lost *:/ { l += $3 }
		END { printf "%d %d", s, l }'
}
ft_row() { # yaml -> "kept lost late lag_s queue_mb"
	/usr/bin/python3 - "$1" <<'EOF'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))["scenario"]
c, p = d["collection"], d.get("python_frames") or {}
late = "%d/%d" % (p["late_samples"], p["samples"]) if p.get("samples") else "-"
print(d["samples"], c["kernel_lost"] + c["queue_dropped"] + c["cut_at_stop"] + c["out_of_memory"],
      late, "%.2f" % c["analysis_lag_max_s"], "%.1f" % c["queue_peak_mb"])
EOF
}
loaded_row() { # LOAD TAG ATTACH(1/0) COMMAND...
	local load=$1 tag=$2 attach=$3 loops=() tpid ppid f p
	shift 3
	if [ "$load" = busy ]; then
		for _ in $(seq "$(nproc)"); do yes >/dev/null & loops+=($!); done
	fi
	if [ "$attach" = 1 ]; then
		"$@" >/dev/null 2>&1 & tpid=$!
		sleep 1
		perf record -q -F 999 --call-graph dwarf -o "$tmp/ld.data" -p "$tpid" -- sleep "$ld_s" >/dev/null 2>&1 &
		ppid=$!
		"$ft" record -q -F 999 ${ft_extra:-} -p "$tpid" -d "$ld_s" -o "$tmp/ld.yaml" 2>/dev/null
		wait "$ppid" 2>/dev/null || true
		kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null || true
	else
		"$ft" record -q -F 999 ${ft_extra:-} -o "$tmp/ld.yaml" -- "$@" >/dev/null 2>&1
		perf record -q -F 999 --call-graph dwarf -o "$tmp/ld.data" -- "$@" >/dev/null 2>&1
	fi
	[ ${#loops[@]} -eq 0 ] || { kill "${loops[@]}"; wait "${loops[@]}" 2>/dev/null || true; }
	f=$(ft_row "$tmp/ld.yaml")
	p=$(perf_kept_lost "$tmp/ld.data")
	printf '%-6s %-20s %8s %7s %9s %7s %8s   %8s %7s\n' "$load" "$tag" $f $p
}
echo
echo "a busy machine: flametop and perf record, 999 Hz DWARF, ${ld_s} s attached"
printf '%-6s %-20s %8s %7s %9s %7s %8s   %8s %7s\n' load target kept lost "py late" "lag s" "queue MB" "perf kept" "lost"
for load in busy quiet; do
	if [ -n "$py" ]; then
		loaded_row "$load" "CPython attached" 1 "$py" tests/workloads/pysplit.py forever
		loaded_row "$load" "CPython launched" 0 "$py" tests/workloads/pysplit.py 60
		loaded_row "$load" "CPython pool launched" 0 "$py" tests/workloads/pypool.py 60
		# the collector at flametop's own priority: what nice -10 buys
		ft_extra="--collector-nice 0" loaded_row "$load" "CPython att. nice 0" 1 "$py" tests/workloads/pysplit.py forever
	fi
	if [ -n "$node" ]; then
		loaded_row "$load" "node attached" 1 "$node" tests/workloads/hot.js 30
		loaded_row "$load" "node launched" 0 "$node" tests/workloads/hot.js 4
	fi
done
fi

# The runtimes of the two parts below: pyenv's CPython 3.11 running a loop
# of Python functions, node running hot.js; RT_S seconds attached (20 in
# full mode, 10 in quick).
if part runtimes || part rtscreen; then
rt_s=${RT_S:-$([ "$mode" = full ] && echo 20 || echo 10)}
py=$(ls -d ~/.pyenv/versions/3.11.*/bin/python3.11 2>/dev/null | tail -1)
node=$(command -v node || true)
hot="$(cd "$(dirname "$0")/.." && pwd)/tests/workloads/hot.js"
printf '%s\n' 'def f(n):' '    return sum(i * i % 7 for i in range(n))' 'while True:' \
	'    f(10000); sorted(str(i) for i in range(2000))' >"$tmp/rt.py"
fi

# The cost on the runtimes people attach to: CPython 3.11 (Python frames
# read), node with and without a perf map, and the C fixed-work program,
# each attached for RT_S seconds (20 in full mode, 10 in quick) at 999 Hz,
# DWARF: flametop record's CPU (user+sys, start to exit, the export
# included) beside perf record + perf report on the same program, one after
# the other on fresh copies, alternated over the runs; the median of each.
if part runtimes && [ "$have_perf" = 1 ]; then
rt_row() { # TAG FILE COMMAND...: a fresh target for each profiler
	local tag=$1 f=$2 pid
	shift 2
	for i in $(seq "$runs"); do
		(cd "$tmp" && exec "$@") >/dev/null 2>&1 & pid=$! # (node writes its logs there)
		sleep 1
		cpu_of "$ft" record -q -F 999 -p "$pid" -d "$rt_s" -o "$tmp/rt.yaml" >>"$tmp/rt_${f}_ft"
		kill "$pid"; wait "$pid" 2>/dev/null || true
		(cd "$tmp" && exec "$@") >/dev/null 2>&1 & pid=$! # (node writes its logs there)
		sleep 1
		cpu_of perf record -q -F 999 --call-graph dwarf -p "$pid" -o "$tmp/rt.data" -- sleep "$rt_s" \
			>>"$tmp/rt_${f}_prec"
		kill "$pid"; wait "$pid" 2>/dev/null || true
		cpu_of perf report --stdio -i "$tmp/rt.data" >>"$tmp/rt_${f}_prep"
	done
	awk -v t="$tag" -v s="$rt_s" -v f="$(median <"$tmp/rt_${f}_ft")" \
	    -v r="$(median <"$tmp/rt_${f}_prec")" -v p="$(median <"$tmp/rt_${f}_prep")" 'BEGIN {
		printf "%-30s %7.2fs %6.1f%%  %7.2fs %7.2fs %7.2fs  %5.2f\n", t, f, 100 * f / s, r, p, r + p,
			((r + p) > 0 ? f / (r + p) : 0) }'
}
echo
echo "runtimes attached $rt_s s at 999 Hz, DWARF (median of $runs): CPU-seconds, start to exit"
printf '%-30s %8s %7s  %8s %8s %8s  %5s\n' target flametop "of core" "perf rec" report "perf all" ratio
rt_row "C fixed-work" c "$(cd "$(dirname "$fw")" && pwd)/fixedwork" 100000000 0.3
[ -z "$py" ] || rt_row "CPython 3.11, Python frames" py "$py" "$tmp/rt.py"
[ -z "$node" ] || rt_row "node --perf-basic-prof" nodemap "$node" --perf-basic-prof "$hot" 600
[ -z "$node" ] || rt_row "node, no perf map" node "$node" "$hot" 600
fi

# The screen on the same runtimes: flametop's live screen and perf top -p,
# each attached rt_s seconds at 999 Hz with DWARF stacks in a 200x50 tmux
# pane, one after the other on fresh copies of the target: the tool's CPU
# (start to the end of the window) and memory. Then flametop's screen on
# CPython for RT_LONG_S seconds (600 in full mode, 60 in quick): CPU share
# and memory at the end of it.
if part rtscreen && [ "$have_perf" = 1 ] && [ "$have_tmux" = 1 ]; then
long_s=${RT_LONG_S:-$([ "$mode" = full ] && echo 600 || echo 60)}
scr_one() { # SECONDS TOOL-COMMAND TARGET...: "cpu-s rss-MiB peak-MiB" of the tool
	local s=$1 tool=$2 pid
	shift 2
	(cd "$tmp" && exec "$@") >/dev/null 2>&1 & pid=$!
	sleep 1
	tui_start "$tool -p $pid"
	sleep "$s"
	tui_stat "$(tui_pid)"
	tui_stop
	kill "$pid"; wait "$pid" 2>/dev/null || true
}
scr_row() { # TAG TARGET...
	local tag=$1 f p
	shift
	f=$(scr_one "$rt_s" "$ft -F 999 --call-graph dwarf" "$@")
	p=$(scr_one "$rt_s" "perf top -F 999 --call-graph dwarf" "$@")
	awk -v t="$tag" -v s="$rt_s" -v f="$f" -v p="$p" 'BEGIN {
		split(f, a, " "); split(p, b, " ")
		printf "%-30s %7.2fs %6.1f%% %7.1f  %7.2fs %6.1f%% %7.1f  %5.2f\n", t, a[1], 100 * a[1] / s,
			a[3], b[1], 100 * b[1] / s, b[3], (b[1] > 0 ? a[1] / b[1] : 0) }'
}
echo
echo "screens attached $rt_s s at 999 Hz, DWARF: the tool's CPU-seconds and peak MiB"
printf '%-30s %8s %7s %7s  %8s %7s %7s  %5s\n' target flametop "of core" "MiB" "perf top" \
	"of core" "MiB" ratio
[ -z "$py" ] || scr_row "CPython 3.11, Python frames" "$py" "$tmp/rt.py"
[ -z "$node" ] || scr_row "node --perf-basic-prof" "$node" --perf-basic-prof "$hot" 3600
[ -z "$node" ] || scr_row "node, no perf map" "$node" "$hot" 3600
if [ -n "$py" ]; then
	read -r c r h <<<"$(scr_one "$long_s" "$ft -F 999 --call-graph dwarf" "$py" "$tmp/rt.py")"
	awk -v s="$long_s" -v c="$c" -v r="$r" -v h="$h" 'BEGIN {
		printf "flametop screen on CPython for %d s: %.1f CPU-s (%.1f%% of a core), RSS %.1f MiB, peak %.1f MiB\n",
			s, c, 100 * c / s, r, h }'
fi
fi
