#!/usr/bin/env bash
# scripts/test.sh — README command 2: set up, build, and run every test.
#
# Why a script: some labels need services (mpi needs nothing; slurm tests need
# munge + slurmctld + slurmd, started here once the Slurm issue lands).
#   scripts/test.sh [ctest arguments, e.g. -L unit]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root/build"
# Open MPI refuses to run as root unless told; tests run as root in CI.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest -j2 --output-on-failure --timeout 600 "$@"
