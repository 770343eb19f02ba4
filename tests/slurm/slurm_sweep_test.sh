#!/usr/bin/env bash
# tests/slurm/slurm_sweep_test.sh — `gaplab slurm submit` against the real test cluster.
#
# Why (issue 6): a sweep submitted to Slurm must give the results mpirun gives;
# a time-limit warning mid-run must checkpoint, requeue and resume (every trial
# once, interrupted trials resumed from their checkpoints, results equal to an
# uninterrupted run); array mode with a throttle plus `gaplab merge` must give
# the same file; bad input must be refused before anything is submitted.
# Uses the `noop` workload (deterministic results, trials that sleep).
# Needs SLURM_CONF (ctest's slurm_cluster fixture). Exit 77: Slurm not installed.
set -uo pipefail
gaplab=$1
here=$(cd "$(dirname "$0")" && pwd)
for t in sbatch squeue scancel h5dump; do
  command -v "$t" > /dev/null || { echo "$t missing: skipped"; exit 77; }
done
: "${SLURM_CONF:?SLURM_CONF must name the slurm.conf of the test cluster (ctest sets it)}"
work=$(mktemp -d)
trap 'scancel --name=gaplab-slurmtest > /dev/null 2>&1; rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; for f in slurm/*.out; do [ -f "$f" ] && { echo "== $f"; cat "$f"; }; done; exit 1; }

cat > base.yaml <<'YAML'
workload: noop
training: {max_steps: 10, eval_every_steps: 2}
target: {value: 0.6}
YAML
cat > slurmtest.yaml <<'YAML'
name: slurmtest
base: base.yaml
sampler: halton
trials: 6
checkpoint_every_s: 0.1
space:
  model.quality: {uniform: [0.3, 1.0]}
  model.work_s: {uniform: [0.5, 1.5]}
YAML

# Sorted summary: id, status, steps, final metric (what must not depend on how the sweep ran).
summary() { "$here/../e2e/sweep_summary.sh" "$gaplab" "$1" "$work"; }

# Waits until job $1 (and its array tasks) left the queue; at most $2 seconds.
wait_job() {
  local deadline=$((SECONDS + $2))
  while [ -n "$(squeue -h -j "$1" 2> /dev/null)" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { scancel "$1"; fail "job $1 still queued after $2 s"; }
    sleep 1
  done
}

mpirun -np 3 --oversubscribe "$gaplab" sweep slurmtest.yaml --out ref.h5 --progress quiet > ref.log 2>&1 \
  || { cat ref.log; fail "reference mpirun sweep"; }
summary ref.h5 ref > ref.txt || fail "reading the reference"
[ "$(wc -l < ref.txt)" -eq 6 ] || fail "the reference should hold 6 trials"

common=(--ntasks-per-node 3 --time 10:00)  # job name: gaplab-slurmtest

# 1. One allocation: srun --mpi=pmix over 3 tasks; the same results as mpirun.
"$gaplab" slurm render slurmtest.yaml "${common[@]}" --out alloc.h5 > alloc.sbatch || fail "render"
grep -q '^#SBATCH --signal=B:USR2@' alloc.sbatch || fail "no time-limit warning in the script"
job=$("$gaplab" slurm submit slurmtest.yaml "${common[@]}" --out alloc.h5) || fail "submit"
wait_job "$job" 240
summary alloc.h5 alloc > alloc.txt || fail "reading the allocation run's results"
diff ref.txt alloc.txt || fail "the Slurm run differs from the mpirun run"
"$gaplab" slurm status slurmtest.yaml --out alloc.h5 | grep -q "6 trial(s) recorded" || fail "slurm status"
echo "allocation mode: results equal mpirun's"

# 2. A time-limit warning mid-run: USR2 to the batch shell (as --signal=B:USR2 would send it).
job=$("$gaplab" slurm submit slurmtest.yaml "${common[@]}" --out preempt.h5) || fail "submit (preemption)"
recorded() { "$gaplab" status preempt.h5 2> /dev/null | awk '$1 == "trials" { print $2; exit }'; }
deadline=$((SECONDS + 120))
until [ "$(recorded)" -ge 1 ] 2> /dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || fail "no trial recorded before the warning"
  sleep 0.5
done
sleep 0.7  # mid-trial
scancel --signal=USR2 --batch "$job" || fail "scancel --signal=USR2"
wait_job "$job" 300
grep -q "requeueing" slurm/*"$job"*.out || fail "the job did not requeue itself"
summary preempt.h5 preempt > preempt.txt || fail "reading the preempted run's results"
diff ref.txt preempt.txt || fail "the requeued run differs from the uninterrupted one"
"$gaplab" export preempt.h5 --csv csv-msg --overwrite > /dev/null
grep -q "resumed 1 time" csv-msg/summary.csv || fail "no trial resumed from its checkpoint"
echo "time-limit warning: checkpointed, requeued, resumed; results equal"

# 3. Array mode: 3 shards, at most 2 at once; merged they equal the reference.
job=$("$gaplab" slurm submit slurmtest.yaml --time 10:00 --ntasks-per-node 1 --array 3 --throttle 2 --out array.h5) \
  || fail "submit (array)"
grep -q -- "--array=0-2%2" slurm/gaplab-slurmtest.sbatch || fail "no throttled array directive"
wait_job "$job" 300
"$gaplab" merge array.h5 array.task0.h5 array.task1.h5 array.task2.h5 || fail "merge"
"$gaplab" merge array.h5 array.task1.h5 | grep -q "0 trial(s) added" || fail "merge is not idempotent"
summary array.h5 array > array.txt || fail "reading the merged file"
diff ref.txt array.txt || fail "the merged array run differs from the one-allocation run"
"$gaplab" merge array.h5 ref.h5 > /dev/null 2>&1 && true  # same sweep: allowed, adds nothing
echo "array mode: merged file equals the reference"

# 4. Bad input: nothing submitted.
before=$(squeue -h | wc -l)
"$gaplab" slurm submit slurmtest.yaml --partition nosuchpartition --out bad.h5 > bad1.log 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -qi "partition" bad1.log || { cat bad1.log; fail "unknown partition: expected exit 2 and sbatch's message"; }
"$gaplab" slurm submit slurmtest.yaml --time 10min --out bad.h5 > bad2.log 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q "not a Slurm time" bad2.log || { cat bad2.log; fail "invalid time"; }
"$gaplab" slurm submit slurmtest.yaml --partition 'debug;$(touch pwned)' --out bad.h5 > bad3.log 2>&1; rc=$?
[ "$rc" -eq 2 ] && [ ! -e pwned ] || { cat bad3.log; fail "injection in a partition name"; }
PATH=/nonexistent "$gaplab" slurm submit slurmtest.yaml --out bad.h5 > bad4.log 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q "sbatch could not be started" bad4.log || { cat bad4.log; fail "sbatch missing"; }
[ "$(squeue -h | wc -l)" -eq "$before" ] || fail "a refused submission reached the queue"
echo "bad input refused, nothing submitted"
