#!/usr/bin/env bash
# make demo: the live screen on the bundled demo program (three threads:
# parser, compressor, cache; file writes; memory that keeps growing).
set -eu
build=${1:-build}
if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "make demo needs a terminal; headless: $build/flametop record -d 5 -- $build/workloads/demo 5" >&2
	exit 2
fi
exec "$build/flametop" -- "$build/workloads/demo"
