#!/usr/bin/env bash
# scripts/test.sh — README command 2: set up, build, and run every test.
#
# Why a script: some labels need services. mpi needs nothing; the slurm tests
# need munge + slurmctld + slurmd, which the ctest fixture slurm_cluster starts
# (scripts/slurm_test_cluster.sh start build/slurm-cluster) before the first slurm
# test and stops after the last; the packages come from setup.sh.
#   scripts/test.sh [ctest arguments, e.g. -L unit, -L slurm]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cmake --build "$root/build" -j"$(nproc)"  # the tests, benchmarks and everything else
cd "$root/build"
# Also stop the test cluster when ctest itself is interrupted (the fixture's
# cleanup test does not run then); a no-op when it is not running.
trap '"$root/scripts/slurm_test_cluster.sh" stop "$root/build/slurm-cluster" > /dev/null 2>&1 || true' EXIT
# Open MPI refuses to run as root unless told; tests run as root in CI.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest -j2 --output-on-failure --timeout 600 "$@"
