#!/usr/bin/env bash
# tests/e2e/mpi_bench_allreduce_test.sh — `gaplab bench --allreduce`: with one rank
# it explains that it needs mpirun (exit 2); under `mpirun -np 2` rank 0 prints
# plain, bucketed and ratio lines for every size (capped small to stay fast).
set -uo pipefail
gaplab=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$gaplab" bench --allreduce > "$work/one" 2>&1
rc=$?
if [ "$rc" -ne 2 ]; then cat "$work/one"; echo "one rank: expected exit 2, got $rc"; exit 1; fi
grep -q "needs at least 2 MPI ranks" "$work/one" || { cat "$work/one"; echo "one rank: message missing"; exit 1; }

mpirun -np 2 --oversubscribe "$gaplab" bench --allreduce --max-bytes 65536 --bucket-mb 0.01 > "$work/out" 2> "$work/err"
rc=$?
if [ "$rc" -ne 0 ]; then cat "$work/out" "$work/err"; echo "mpirun -np 2: expected exit 0, got $rc"; exit 1; fi
for size in 1KiB 4KiB 16KiB 64KiB; do
  for kind in plain bucketed bucketed_avg; do
    grep -Eq "^allreduce_${kind}_${size} [0-9]+\.[0-9]+ GB/s$" "$work/out" ||
      { cat "$work/out"; echo "missing allreduce_${kind}_${size} line"; exit 1; }
  done
  grep -Eq "^allreduce_ratio_${size} [0-9]+\.[0-9]+ x$" "$work/out" ||
    { cat "$work/out"; echo "missing allreduce_ratio_${size} line"; exit 1; }
done
[ "$(wc -l < "$work/out")" -eq 16 ] || { cat "$work/out"; echo "expected 16 lines from rank 0 only"; exit 1; }
grep -q "256KiB" "$work/out" && { echo "--max-bytes ignored"; exit 1; }
echo "bench --allreduce ok"
