#!/usr/bin/env bash
# scripts/set_targets.sh — the target-setting procedure of docs/workloads.md.
#
# Why: a workload's validation target must be what a tuned baseline reliably
# reaches, not a guess. Procedure: (1) run the baseline optimizer over an LR grid
# for a reference budget with seed 0 and an unreachable target; (2) take the LR
# with the best validation metric; (3) rerun it with seeds 0, 1, 2; (4) the target
# is the median over seeds of the best validation metric, rounded down to 0.005.
#   scripts/set_targets.sh WORKLOAD STEPS "LR1 LR2 ..." [extra --set args]
set -euo pipefail
workload=$1 steps=$2 lrs=$3; shift 3
extra=("$@")
root=$(cd "$(dirname "$0")/.." && pwd)
gaplab="$root/build/cli/gaplab"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'workload: %s\n' "$workload" > "$work/base.yaml"

best_of() {  # best validation metric in a results file
  /usr/bin/python3 -c "import h5py,sys; print(max(h5py.File(sys.argv[1])['curves']['validation_metric']))" "$1"
}
run() {  # run LR SEED -> prints best validation metric
  local out="$work/r-$1-$2.h5"
  "$gaplab" run "$work/base.yaml" --out "$out" --progress quiet --set optimizer.lr="$1" --set seed="$2" \
    --set training.max_steps="$steps" --set schedule.total_steps="$steps" --set target.value=2 "${extra[@]}" \
    >/dev/null 2>&1 || [ $? -eq 3 ]
  best_of "$out"
}

best_lr="" best=0
for lr in $lrs; do
  v=$(run "$lr" 0)
  echo "lr $lr seed 0: best validation $v"
  if /usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$v" "$best"; then
    best=$v best_lr=$lr
  fi
done
vals=("$best")
for seed in 1 2; do
  v=$(run "$best_lr" "$seed")
  echo "lr $best_lr seed $seed: best validation $v"
  vals+=("$v")
done
/usr/bin/python3 - "${vals[@]}" <<'PY'
import math, statistics, sys
vals = [float(v) for v in sys.argv[1:]]
med = statistics.median(vals)
print(f"median over seeds {med:.4f} -> target {math.floor(med / 0.005) * 0.005:.3f}")
PY
echo "best lr $best_lr"
