#!/usr/bin/env bash
# scripts/studies/steplaw_quick.sh — the quick Step Law scaling-law study in one
# command: the sweep (examples/studies/steplaw_quick.yaml) under mpirun with a
# coordinator and two one-thread workers, then the fit with plots. About 13-15
# minutes on 2 cores. Rerunning
# continues the sweep where it stopped. Extra arguments go to `gaplab sweep`;
# GAPLAB_LAUNCH replaces the mpirun line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
gaplab=${GAPLAB:-build/cli/gaplab}  # GAPLAB=/path/to/gaplab to use another build
# Open MPI refuses to run as root unless told (containers, CI).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
${GAPLAB_LAUNCH:-mpirun -np 3 --oversubscribe} "$gaplab" sweep examples/studies/steplaw_quick.yaml --progress log "$@"
"$gaplab" analyze scaling results/steplaw_quick.h5 --plot results/steplaw_quick_plots
