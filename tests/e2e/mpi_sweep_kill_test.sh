#!/usr/bin/env bash
# tests/e2e/mpi_sweep_kill_test.sh — a sweep under mpirun survives kill -9.
#
# Runs a noop sweep (trials sleep, results deterministic) uninterrupted as the
# reference; then runs it again killed with SIGKILL (mpirun and every rank) at
# random moments, at least 5 times, rerunning after each kill. After every kill
# the results file must open (h5dump), hold no trial twice and lose none it held
# before; the finished sweep's summary (trial id, status, steps, final metric,
# submission, study, parameters) must equal the reference's. Also: -np 5 with
# ranks_per_trial 2 completes with every trial exactly once, and -np 4 with
# ranks_per_trial 2 is refused with exit code 2.
set -uo pipefail
gaplab=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v h5dump > /dev/null || { echo "h5dump (hdf5-tools) missing: skipped"; exit 77; }
work=$(mktemp -d)
trap 'pkill -9 -P $$ 2> /dev/null; rm -rf "$work"' EXIT
cd "$work"

cat > base.yaml <<'YAML'
workload: noop
training: {max_steps: 8, eval_every_steps: 2}
target: {value: 0.6}
YAML
cat > sweep.yaml <<'YAML'
name: killtest
base: base.yaml
sampler: halton
trials: 6
studies: 2
checkpoint_every_s: 0.05
submissions:
  fast:
    space:
      model.quality: {uniform: [0.3, 1.0]}
      model.work_s: {uniform: [0.1, 0.5]}
  slow:
    set: {model.gap: 0.05}
    space:
      model.quality: {uniform: [0.5, 1.0]}
      model.work_s: {uniform: [0.2, 0.8]}
YAML

# Summary rows as sorted text: id, status, steps, final validation metric, submission, study, parameters.
summary() { "$here/../e2e/sweep_summary.sh" "$gaplab" "$1" "$work"; }

mpirun -np 3 --oversubscribe "$gaplab" sweep sweep.yaml --out ref.h5 --progress quiet > ref.log 2>&1 \
  || { cat ref.log; echo "reference sweep failed"; exit 1; }
summary ref.h5 ref > ref.txt || { echo "reading the reference failed"; exit 1; }
total=$(wc -l < ref.txt)
[ "$total" -eq 24 ] || { cat ref.txt; echo "expected 24 trials in the reference, got $total"; exit 1; }

previous=""
kills=0
for attempt in $(seq 1 12); do
  mpirun -np 3 --oversubscribe "$gaplab" sweep sweep.yaml --out run.h5 --progress quiet > "run$attempt.log" 2>&1 &
  launcher=$!
  # 0.3 to 1.2 s: before the file exists, during trials, between them. The sweep
  # holds about 6 s of trial work, so it takes several kills to finish.
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + (r % 90) / 100 }')"
  if ! kill -0 "$launcher" 2> /dev/null; then
    wait "$launcher"; rc=$?
    [ "$rc" -eq 0 ] || { cat "run$attempt.log"; echo "sweep exited $rc"; exit 1; }
    break  # finished before the kill
  fi
  ranks=$(pgrep -P "$launcher")
  kill -9 "$launcher" $ranks 2> /dev/null
  wait "$launcher" 2> /dev/null
  for r in $ranks; do while kill -0 "$r" 2> /dev/null; do sleep 0.05; done; done
  kills=$((kills + 1))
  if [ -f run.h5 ]; then
    h5dump -H run.h5 > /dev/null || { echo "kill $kills: h5dump cannot open the results file"; exit 1; }
    now=$(summary run.h5 "k$kills") || { echo "kill $kills: cannot read the results file"; exit 1; }
    # Every trial recorded before this kill is still there, unchanged.
    if [ -n "$previous" ]; then
      missing=$(comm -23 <(echo "$previous") <(echo "$now"))
      [ -z "$missing" ] || { echo "kill $kills lost trials:"; echo "$missing"; exit 1; }
    fi
    previous=$now
    echo "kill $kills: $(echo -n "$now" | grep -c .) of $total trials recorded"
  else
    echo "kill $kills: before the results file was created"
  fi
done
[ "$kills" -ge 5 ] || { echo "only $kills kills happened before the sweep finished"; exit 1; }

mpirun -np 3 --oversubscribe "$gaplab" sweep sweep.yaml --out run.h5 --progress quiet > final.log 2>&1 \
  || { cat final.log; echo "final rerun failed"; exit 1; }
summary run.h5 final > final.txt || exit 1
diff ref.txt final.txt > diff.txt || { cat diff.txt; echo "the resumed sweep differs from the uninterrupted one"; exit 1; }
echo "$kills kills, the resumed sweep equals the uninterrupted one ($total trials)"

# Rank groups: 1 coordinator + 2 groups of 2 ranks.
sed 's/^sampler: halton/sampler: halton\nranks_per_trial: 2/' sweep.yaml > groups.yaml
mpirun -np 5 --oversubscribe "$gaplab" sweep groups.yaml --out groups.h5 --progress quiet > groups.log 2>&1 \
  || { cat groups.log; echo "ranks_per_trial 2 at -np 5 failed"; exit 1; }
summary groups.h5 groups > groups.txt || exit 1
# The same trials (ids do not depend on the rank layout) with the same results.
diff ref.txt groups.txt > groups.diff || { cat groups.diff; echo "ranks_per_trial 2 gives other results"; exit 1; }
"$gaplab" export groups.h5 --csv csv-groups --overwrite > /dev/null || exit 1
/usr/bin/python3 - "$work/csv-groups/summary.csv" <<'PY' || exit 1
import csv, sys
ranks = {r["ranks"] for r in csv.DictReader(open(sys.argv[1], newline=""))}
assert ranks == {"2"}, f"trials should record 2 ranks, got {ranks}"
PY
mpirun -np 4 --oversubscribe "$gaplab" sweep groups.yaml --out bad.h5 --progress quiet > bad.log 2>&1
rc=$?
grep -q "do not divide" bad.log || { cat bad.log; echo "expected the group-size error"; exit 1; }
[ ! -f bad.h5 ] || { echo "a refused sweep created its results file"; exit 1; }
echo "rank groups ok"
