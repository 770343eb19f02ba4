#!/usr/bin/env bash
# tests/slurm/cluster_smoke_test.sh — the test cluster runs batch jobs and PMIx steps.
#
# Why: every slurm-labelled test relies on the cluster that the ctest fixture
# (scripts/slurm_test_cluster.sh, via Slurm.ClusterStart) brings up; this test
# fails first and plainly when it cannot run a job, before gaplab is involved.
# Submits one batch job with 2 tasks whose script runs `srun --mpi=pmix`, waits
# for it (sbatch --wait), and checks its output. Needs SLURM_CONF (set by ctest).
# Exit 77: Slurm is not installed.
set -euo pipefail
# The same tools whose absence makes scripts/slurm_test_cluster.sh (the fixture) skip.
for t in sbatch slurmctld slurmd munged; do
  command -v "$t" > /dev/null || { echo "$t missing (Debian's slurm-wlm, munge): skipped"; exit 77; }
done
: "${SLURM_CONF:?SLURM_CONF must name the slurm.conf of the test cluster (ctest sets it)}"
if [ ! -r "$SLURM_CONF" ] || ! timeout 20 sinfo -h > /dev/null; then
  echo "no test cluster at $SLURM_CONF (did Slurm.ClusterStart pass?)" >&2; exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > job.sh <<'JOB'
#!/bin/bash
set -euo pipefail
echo "job $SLURM_JOB_ID on $(hostname) ntasks $SLURM_NTASKS"
srun --mpi=pmix bash -c 'echo "rank $PMIX_RANK of $SLURM_NTASKS"' | sort
JOB
if ! timeout 120 sbatch --wait --quiet -n 2 -t 2 -o out.txt -J gaplab-smoke job.sh; then
  echo "the smoke job failed or timed out; its output:" >&2
  cat out.txt >&2 || true
  exit 1
fi
cat out.txt
grep -q '^job [0-9]* on .* ntasks 2$' out.txt || { echo "batch script did not run as expected" >&2; exit 1; }
[ "$(grep -c '^rank [01] of 2$' out.txt)" = 2 ] \
  || { echo "srun --mpi=pmix did not give ranks 0 and 1 of 2" >&2; exit 1; }
echo "OK"
