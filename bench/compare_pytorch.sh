#!/usr/bin/env bash
# bench/compare_pytorch.sh — gaplab's reference benchmarks beside PyTorch's, on one
# machine, interleaved, as ratios.
#
# Why interleaved: this machine is shared and noisy. Each round runs `gaplab bench`
# and ../shared/bench/pytorch_reference.py back to back; the report is the median
# over rounds of each side and of the per-round ratio.
#   bench/compare_pytorch.sh [--device cpu|cuda] [--rounds 3]
# Needs Debian's python3-torch and libopenblas0-pthread (scripts/setup.sh --with-reference).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
device=cpu rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "compare_pytorch.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
gaplab="$root/build/cli/gaplab"
ref="$root/../shared/bench/pytorch_reference.py"
[ -x "$gaplab" ] || { echo "compare_pytorch.sh: build first (scripts/setup.sh)" >&2; exit 2; }
[ -f "$ref" ] || { echo "compare_pytorch.sh: $ref not found" >&2; exit 2; }
python=/usr/bin/python3
[ "$device" = cuda ] && python=python3
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for r in $(seq "$rounds"); do
  "$gaplab" bench --device "$device" | sed "s/^/$r gaplab /" >> "$log"
  "$python" "$ref" --device "$device" | sed "s/^ref /$r ref /" >> "$log"
done
/usr/bin/python3 - "$log" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(lambda: collections.defaultdict(dict))
units = {}
for line in open(sys.argv[1]):
    rnd, side, case, value, unit = line.split()
    rows[case][side][rnd] = float(value)
    units[case] = unit
print(f"{'case':<12} {'gaplab':>12} {'pytorch':>12} {'ratio':>7}  unit (median over rounds)")
for case, sides in rows.items():
    if "gaplab" not in sides or "ref" not in sides:
        continue
    g, p = sides["gaplab"], sides["ref"]
    ratios = [g[r] / p[r] for r in g if r in p]
    print(f"{case:<12} {statistics.median(g.values()):>12.0f} {statistics.median(p.values()):>12.0f} "
          f"{statistics.median(ratios):>6.2f}x  {units[case]}")
PY
