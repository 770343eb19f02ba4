#!/usr/bin/env bash
# tests/e2e/sweep_summary.sh GAPLAB RESULTS.h5 WORKDIR — the rows of a sweep's
# results file that must not depend on how the sweep ran (rank layout, kills,
# requeues, shards), sorted by trial id: id, status, steps, final validation
# metric, submission, study, parameters. Fails when a trial id appears twice.
# Shared by the sweep tests that compare a disturbed run with a reference.
set -euo pipefail
gaplab=$1 results=$2 workdir=$3
csv=$(mktemp -d "$workdir/csv.XXXXXX")
"$gaplab" export "$results" --csv "$csv" --overwrite > /dev/null
/usr/bin/python3 - "$csv/summary.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
ids = [r["trial_id"] for r in rows]
assert len(ids) == len(set(ids)), f"duplicated trial ids: {len(ids)} rows, {len(set(ids))} ids"
for r in sorted(rows, key=lambda r: r["trial_id"]):
    print(r["trial_id"], r["status"], r["steps"], r["final_validation_metric"], r["submission"], r["study"], r["parameters"])
PY
