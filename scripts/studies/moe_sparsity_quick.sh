#!/usr/bin/env bash
# scripts/studies/moe_sparsity_quick.sh — the quick MoE sparsity study in one
# command: the sweep (experts x top-k x task x 2 seeds, 48 trials) under mpirun
# with a coordinator and two one-thread workers, then the table and plots of
# `gaplab analyze moe`. ~11 minutes on 2 cores (examples/studies/moe_sparsity_quick.yaml).
# Extra arguments go to `gaplab sweep`. Rerunning resumes: finished trials are skipped.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
gaplab=${GAPLAB:-build/cli/gaplab}  # GAPLAB=/path/to/gaplab to use another build
# The machines these studies run on run as root; Open MPI refuses that without these.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# threads_per_rank 0 divides the cores among the worker ranks: 2 cores, 2 workers, 1 thread each.
mpirun -np 3 --oversubscribe "$gaplab" sweep examples/studies/moe_sparsity_quick.yaml --progress log "$@"
"$gaplab" analyze moe results/moe_sparsity_quick.h5 --plot results/moe_sparsity_quick_plots
