#!/usr/bin/env bash
# tests/e2e/mpi_resume_test.sh — a data-parallel `gaplab run` on two ranks that is
# stopped (SIGTERM) or killed (SIGKILL) at a random moment and then run again
# with the same command ends with curves bit-identical to an uninterrupted run;
# a checkpoint of another config or a truncated one is refused with exit 2 and
# leaves the results file as it was.
#
# Why a shell test: the interesting part is the process tree of mpirun (signals,
# kill -9 of every process, the automatic resume of the same command line),
# which a unit test cannot reach.
#
# How Open MPI 4.1's mpirun handles SIGTERM (measured with a rank that traps
# TERM): mpirun sends SIGCONT to the ranks, waits odls_base_sigkill_timeout
# seconds (default 1), sends SIGTERM, waits that long again, then SIGKILL. A
# rank thus has ~1 s to finish its step, write the checkpoint and the results;
# longer steps need `mpirun --mca odls_base_sigkill_timeout 30`. Otherwise the
# run resumes from the last periodic checkpoint, which case (b) covers. Case (a)
# sends SIGTERM to the ranks themselves (what Slurm does to every task), which
# has no deadline; case (c) sends it to mpirun as a user at a terminal would.
#
# Usage: mpi_resume_test.sh GAPLAB SOURCE_DIR. Exit 77 (skip) without the dataset.
set -uo pipefail
gaplab=$1 source_dir=$2
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || { echo "dataset-fashion-mnist not installed: skipped"; exit 77; }
command -v h5dump >/dev/null || { echo "h5dump (hdf5-tools) not installed: skipped"; exit 77; }
export OMP_NUM_THREADS=1
work=$(mktemp -d)
mpirun_pid=""
cleanup() {
  if [ -n "$mpirun_pid" ]; then
    kill -9 $(pgrep -P "$mpirun_pid") "$mpirun_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

cfg=$source_dir/examples/fmnist_mlp.yaml
# A small model (BatchNorm with per-rank running statistics, dropout), 300 steps of 2 x 128 examples.
args=(--progress log --set threads=1 --set training.max_steps=300 --set training.eval_every_steps=50
      --set schedule.warmup_steps=0 --set data.train_limit=2000 --set data.eval_train_size=500
      --set data.validation_limit=500 --set "model.widths=[256,256]" --set model.dropout=0.1)
mpi=(mpirun -np 2 --oversubscribe)

# The evaluation columns of /curves, one line per evaluation, doubles with 17
# significant digits (which round-trip exactly, so equal text is equal bits).
curve() {
  h5dump -d /curves -m %.17g "$1" | awk -v want="step epoch train_loss eval_train_loss eval_train_metric validation_loss validation_metric learning_rate" '
    BEGIN { nw = split(want, w, " ") }
    /DATA \{/ { data = 1; next }
    !data && match($0, /"[a-z_]+";/) { names[++nf] = substr($0, RSTART + 1, RLENGTH - 3); next }
    data && /^ *\([0-9]+\): *\{/ { k = 0; delete v; rec = 1; next }
    data && rec && /^ *\}/ {
      line = ""
      for (i = 1; i <= nw; i++) line = line w[i] "=" v[w[i]] " "
      print line; rec = 0; next
    }
    data && rec { gsub(/^ +|,$/, ""); v[names[++k]] = $0 }'
}
checkpoint_step() { h5dump -a /step "$1" 2>/dev/null | awk '/\(0\):/ { print $2 }'; }
random_delay() { awk -v r="$RANDOM" -v max="$1" 'BEGIN { printf "%.2f", 0.05 + max * r / 32768 }'; }

# ---- the uninterrupted reference run ----
"${mpi[@]}" "$gaplab" run "$cfg" --out "$work/full.h5" --no-checkpoint "${args[@]}" > "$work/full.log" 2>&1
rc=$?
[ "$rc" -eq 3 ] || { cat "$work/full.log"; fail "reference run: expected exit 3 (budget without target), got $rc"; }
curve "$work/full.h5" > "$work/full.curve"
[ "$(wc -l < "$work/full.curve")" -eq 6 ] || { cat "$work/full.curve"; fail "reference run: expected 6 evaluations"; }
[ -e "$work/full.h5.ckpt" ] && fail "--no-checkpoint wrote a checkpoint"

# interrupted_run NAME HOW: starts the checkpointing run, waits for its first periodic
# checkpoint, then after a random delay stops it (HOW = term-ranks, term-mpirun, kill).
# Sets rc to mpirun's exit status. Retries with shorter delays if the run ended first.
interrupted_run() {
  local name=$1 how=$2 out=$work/$1.h5 max=1.5 try
  for try in 1 2 3; do
    rm -f "$out" "$out.ckpt" "$out".ckpt.tmp-*
    "${mpi[@]}" "$gaplab" run "$cfg" --out "$out" --checkpoint-every-steps 25 "${args[@]}" > "$work/$name.log" 2>&1 &
    mpirun_pid=$!
    local waited=0
    until [ -f "$out.ckpt" ] || ! kill -0 "$mpirun_pid" 2>/dev/null || [ "$waited" -ge 600 ]; do
      sleep 0.05; waited=$((waited + 1))
    done
    local delay
    delay=$(random_delay "$max")
    sleep "$delay"
    local ranks
    ranks=$(pgrep -P "$mpirun_pid" | tr '\n' ' ')
    echo "$name: try $try, stopping ($how) ${delay}s after the first checkpoint; ranks: $ranks"
    case $how in
      term-ranks) kill -TERM $ranks 2>/dev/null ;;
      term-mpirun) kill -TERM "$mpirun_pid" 2>/dev/null ;;
      kill) kill -9 $ranks "$mpirun_pid" 2>/dev/null ;;
    esac
    wait "$mpirun_pid" 2>/dev/null
    rc=$?
    mpirun_pid=""
    finished=0
    grep -q "step budget of 300 exhausted" "$work/$name.log" && finished=1
    if [ "$finished" -eq 1 ] && [ "$how" != term-mpirun ]; then
      echo "$name: the run finished before the signal; again with a shorter delay"
      max=$(awk -v m="$max" 'BEGIN { print m / 2 }')
      continue
    fi
    return 0
  done
  fail "$name: the run always finished before the signal (machine too fast for 300 steps?)"
}

# resume_and_compare NAME: the same command again resumes automatically; its curve must equal the reference.
resume_and_compare() {
  local name=$1 out=$work/$1.h5
  "${mpi[@]}" "$gaplab" run "$cfg" --out "$out" --checkpoint-every-steps 25 "${args[@]}" > "$work/$name.resume.log" 2>&1
  local rc=$?
  [ "$rc" -eq 3 ] || { cat "$work/$name.resume.log"; fail "$name: resumed run: expected exit 3, got $rc"; }
  grep -q "resuming from $out.ckpt" "$work/$name.resume.log" || { cat "$work/$name.resume.log"; fail "$name: did not resume"; }
  grep -q "(resumed 1 time)" "$work/$name.resume.log" || { cat "$work/$name.resume.log"; fail "$name: summary does not say resumed"; }
  curve "$out" > "$work/$name.curve"
  if ! cmp -s "$work/full.curve" "$work/$name.curve"; then
    diff "$work/full.curve" "$work/$name.curve"
    fail "$name: the resumed run's curve differs from the uninterrupted run's"
  fi
  [ -e "$out.ckpt" ] && fail "$name: the checkpoint of a finished run was left behind"
  echo "$name: resumed curve is bit-identical to the uninterrupted run ($(wc -l < "$work/$name.curve") evaluations)"
}

# ---- (a) SIGTERM to the ranks: stop after the current step, checkpoint, record the partial run ----
interrupted_run term term-ranks
[ "$rc" -eq 130 ] || { cat "$work/term.log"; fail "term: expected exit 130 after SIGTERM, got $rc"; }
grep -q "interrupted by a signal at step" "$work/term.log" || { cat "$work/term.log"; fail "term: no interrupted status"; }
stopped_at=$(sed -n 's/.*interrupted by a signal at step \([0-9]*\).*/\1/p' "$work/term.log" | head -1)
[ "$(checkpoint_step "$work/term.h5.ckpt")" = "$stopped_at" ] || fail "term: checkpoint step $(checkpoint_step "$work/term.h5.ckpt") is not the step it stopped at ($stopped_at)"
[ -f "$work/term.h5" ] || fail "term: the partial run was not recorded"
resume_and_compare term

# ---- (b) SIGKILL of mpirun and both ranks: resume from the last periodic checkpoint ----
interrupted_run kill kill
[ -f "$work/kill.h5" ] && fail "kill: a results file appeared although the run was killed"
step=$(checkpoint_step "$work/kill.h5.ckpt")
[ -n "$step" ] && [ $((step % 25)) -eq 0 ] || fail "kill: expected a periodic checkpoint (a multiple of 25 steps), got '$step'"
resume_and_compare kill

# ---- (c) SIGTERM to mpirun: forwarded to the ranks after 1 s, SIGKILL 1 s later ----
# Three outcomes, all fine as long as the final curve is the reference's: the run
# ends its 300 steps during mpirun's first second (fast machine), the ranks stop
# and checkpoint within their second, or they are killed and resume from the
# periodic checkpoint.
interrupted_run term_mpirun term-mpirun
if [ "$finished" -eq 1 ]; then
  echo "term_mpirun: the run finished before mpirun passed SIGTERM on (exit $rc)"
  curve "$work/term_mpirun.h5" | cmp -s - "$work/full.curve" || fail "term_mpirun: curve differs from the reference"
  [ -e "$work/term_mpirun.h5.ckpt" ] && fail "term_mpirun: the checkpoint of a finished run was left behind"
else
  if grep -q "interrupted by a signal at step" "$work/term_mpirun.log"; then
    echo "term_mpirun: the ranks checkpointed within mpirun's deadline (exit $rc)"
  else
    echo "term_mpirun: mpirun killed the ranks before they finished (exit $rc); resuming from the periodic checkpoint"
  fi
  resume_and_compare term_mpirun
fi

# ---- a checkpoint that rank 0 cannot write fails the run on both ranks (no hang) ----
# <out>.ckpt is a non-empty directory: --overwrite cannot remove it and the first
# periodic checkpoint cannot be renamed onto it. Rank 1 used to wait forever.
mkdir -p "$work/blocked.h5.ckpt/keep"
timeout 120 "${mpi[@]}" "$gaplab" run "$cfg" --out "$work/blocked.h5" --overwrite --checkpoint-every-steps 25 "${args[@]}" \
  > "$work/blocked.log" 2>&1
rc=$?
[ "$rc" -ne 124 ] || { cat "$work/blocked.log"; fail "a failed checkpoint write on rank 0 hung the run"; }
[ "$rc" -eq 1 ] || { cat "$work/blocked.log"; fail "failed checkpoint write: expected exit 1 (failed trial), got $rc"; }
grep -q "failed at step 25: cannot move checkpoint" "$work/blocked.log" || { cat "$work/blocked.log"; fail "failed checkpoint write: reason missing"; }
echo "a checkpoint rank 0 cannot write fails the run on both ranks"

# ---- bad input: a checkpoint of another config, a truncated checkpoint ----
# A single-rank run with another seed, killed after its first checkpoint.
"$gaplab" run "$cfg" --out "$work/other.h5" --checkpoint-every-steps 5 "${args[@]}" --set seed=7 > "$work/other.log" 2>&1 &
mpirun_pid=$!
waited=0
until [ -f "$work/other.h5.ckpt" ] || [ "$waited" -ge 600 ]; do sleep 0.05; waited=$((waited + 1)); done
kill -9 "$mpirun_pid"; wait "$mpirun_pid" 2>/dev/null; mpirun_pid=""
[ -f "$work/other.h5.ckpt" ] || { cat "$work/other.log"; fail "no checkpoint from the seed-7 run"; }
cp "$work/full.h5" "$work/kept.h5"
before=$(md5sum < "$work/kept.h5")
"$gaplab" run "$cfg" --out "$work/kept.h5" --resume "$work/other.h5.ckpt" "${args[@]}" > "$work/bad.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || { cat "$work/bad.log"; fail "another config: expected exit 2, got $rc"; }
grep -q "was written for another config" "$work/bad.log" || { cat "$work/bad.log"; fail "another config: message missing"; }
[ "$(md5sum < "$work/kept.h5")" = "$before" ] || fail "another config: the results file was changed"
[ -f "$work/other.h5.ckpt" ] || fail "another config: the checkpoint was deleted"

"$gaplab" run --resume "$work/other.h5.ckpt" --no-checkpoint > "$work/both.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || { cat "$work/both.log"; fail "--resume with --no-checkpoint: expected exit 2 (usage), got $rc"; }

size=$(stat -c %s "$work/other.h5.ckpt")
head -c $((size / 2)) "$work/other.h5.ckpt" > "$work/cut.ckpt"
"$gaplab" run --resume "$work/cut.ckpt" --out "$work/kept.h5" > "$work/cut.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || { cat "$work/cut.log"; fail "truncated checkpoint: expected exit 2, got $rc"; }
grep -q "cut.ckpt" "$work/cut.log" || { cat "$work/cut.log"; fail "truncated checkpoint: message does not name the file"; }
[ "$(md5sum < "$work/kept.h5")" = "$before" ] || fail "truncated checkpoint: the results file was changed"
# The same damage under the automatic-resume name: refused too, and --overwrite starts afresh.
cp "$work/cut.ckpt" "$work/auto.h5.ckpt"
"$gaplab" run "$cfg" --out "$work/auto.h5" "${args[@]}" --set training.max_steps=5 > "$work/auto.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || { cat "$work/auto.log"; fail "truncated <out>.ckpt: expected exit 2, got $rc"; }
[ -e "$work/auto.h5" ] && fail "truncated <out>.ckpt: a results file was written"
"$gaplab" run "$cfg" --out "$work/auto.h5" --overwrite "${args[@]}" --set training.max_steps=5 > "$work/auto2.log" 2>&1
rc=$?
[ "$rc" -eq 3 ] || { cat "$work/auto2.log"; fail "--overwrite past a truncated checkpoint: expected exit 3, got $rc"; }
echo "bad checkpoints refused with exit 2, results file untouched"
echo "mpi resume ok"
