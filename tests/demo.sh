#!/usr/bin/env bash
# make demo: profile the bundled demo workload for a few seconds and show
# where its time went. (The live screen will take this over.)
set -eu
build=${1:-build}
out=${TMPDIR:-/tmp}/flametop-demo.yaml
echo "flametop demo: recording build/workloads/demo for 4 seconds (3 threads: parser, compressor, cache)"
"$build/flametop" record -F 999 -d 6 -o "$out" --folded "${out%.yaml}.folded" -- "$build/workloads/demo" 4
echo
echo "YAML performance map: $out   folded stacks: ${out%.yaml}.folded"
