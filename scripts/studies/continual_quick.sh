#!/usr/bin/env bash
# scripts/studies/continual_quick.sh — the quick continual pre-training study in
# one command: pre-train once (kept checkpoint), continue with every strategy,
# print the continual-evaluation table. Extra arguments go to `gaplab sweep`
# (e.g. run it under mpirun by setting GAPLAB_LAUNCH="mpirun -np 3 --oversubscribe").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
gaplab=${GAPLAB:-build/cli/gaplab}  # GAPLAB=/path/to/gaplab to use another build
if [ ! -f results/continual_pretrain.h5.ckpt ]; then
  # Exit 3 is expected: the target is unreachable on purpose (the whole budget is trained).
  "$gaplab" run examples/studies/continual_pretrain.yaml --keep-checkpoint --overwrite --progress log || [ $? -eq 3 ]
fi
${GAPLAB_LAUNCH:-} "$gaplab" sweep examples/studies/continual_quick.yaml "$@"
"$gaplab" analyze continual results/continual_quick.h5 --plot results/continual_quick_plots
