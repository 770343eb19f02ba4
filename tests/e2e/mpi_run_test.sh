#!/usr/bin/env bash
# tests/e2e/mpi_run_test.sh — `mpirun -np 2 gaplab run`: data-parallel training over
# two ranks writes one results file (from rank 0) that records 2 ranks, and the
# exit code of the run (3: budget without target) reaches the shell.
set -uo pipefail
gaplab=$1 source_dir=$2
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || { echo "dataset-fashion-mnist not installed: skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpirun -np 2 --oversubscribe "$gaplab" run "$source_dir/examples/fmnist_mlp.yaml" --out "$work/r.h5" --progress quiet \
  --set threads=1 --set training.max_steps=20 --set training.eval_every_steps=10 --set schedule.warmup_steps=0 \
  --set data.train_limit=2000 --set data.eval_train_size=500 --set data.validation_limit=500 > "$work/log" 2>&1
rc=$?
if [ "$rc" -ne 3 ]; then cat "$work/log"; echo "expected exit 3 (budget without target), got $rc"; exit 1; fi
grep -q "NOT REACHED (max_steps)" "$work/log" || { cat "$work/log"; echo "summary missing"; exit 1; }
[ "$(grep -c '^  results  ' "$work/log")" -eq 1 ] || { cat "$work/log"; echo "expected exactly one rank to report"; exit 1; }
/usr/bin/python3 - "$work/r.h5" <<'PY' || exit 1
import h5py, sys
s = h5py.File(sys.argv[1])["summary"]
assert len(s) == 1, f"{len(s)} summary rows"
assert s["ranks"][0] == 2, f"ranks = {s['ranks'][0]}"
assert s["steps"][0] == 20
print("mpi run ok: 1 row, 2 ranks, 20 steps")
PY
