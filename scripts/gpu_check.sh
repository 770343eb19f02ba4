#!/usr/bin/env bash
# scripts/gpu_check.sh — everything the CUDA issue asks to show on a GPU, as one
# command for the `device` tool's machine (16 cores, one H100/H200, no network):
#   1. configure and build with the CUDA backend (sm_90) and NCCL;
#   2. the parity tests, CPU against CUDA, and the GPU training runs (ctest -L gpu);
#   3. `gaplab run` of fmnist_mlp and lm with device: cuda (targets as on the cpu);
#   4. `gaplab bench --device cuda` beside the PyTorch reference, same machine, same call;
#   5. sweep throughput with 1 and 4 workers sharing the GPU.
# Stages (arguments; default all): build tests bench runs share. A session has
# 15 minutes of device time: call the tool twice on the warm machine (the build
# folder stays), e.g.
#   carry [".device-deps"], command "bash scripts/gpu_check.sh build tests bench", timeout_s 560
#   carry [".device-deps"], command "bash scripts/gpu_check.sh runs share",        timeout_s 400
# after scripts/prepare_device_deps.sh here. Logs go to $OUT (the tool brings them back).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gaplab-gpu-check}
# The device tool brings back at most 8 files from $OUT: five logs go there
# (summary, build, ctest_gpu, runs, share), results files stay in $RES.
RES=/tmp/gaplab-gpu-results
mkdir -p "$OUT" "$RES"
log() { echo "== $(date +%T) $*" | tee -a "$OUT/summary.txt"; }
deps=$PWD/.device-deps

stages=${*:-build tests bench runs share}
want() { [[ " $stages " == *" $1 "* ]]; }
log "stages: $stages; machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)"
# Data the workloads read from Debian's paths; CLI11 for the build.
if [ -d "$deps/data" ]; then
  [ -d /usr/share/games/fortunes ] || { mkdir -p /usr/share/games && cp -r "$deps/data/fortunes" /usr/share/games/; }
  [ -d /usr/share/datasets/fashion-mnist ] || { mkdir -p /usr/share/datasets && cp -r "$deps/data/fashion-mnist" /usr/share/datasets/; }
fi
prefix=""
[ -d "$deps/share/cmake/CLI11" ] && prefix="-DCMAKE_PREFIX_PATH=$deps"

if want build; then
  log "configure + build"
  timeout 330 cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DGAPLAB_CUDA=ON $prefix > "$OUT/build.log" 2>&1 &&
    timeout 330 cmake --build build-gpu -j16 >> "$OUT/build.log" 2>&1
  rc=$?
  tail -3 "$OUT/build.log" | tee -a "$OUT/summary.txt"
  [ $rc -eq 0 ] || { log "BUILD FAILED (rc $rc): see build.log"; grep -m20 -E "error" "$OUT/build.log" | tee -a "$OUT/summary.txt"; exit 1; }
fi
g=build-gpu/cli/gaplab
[ -x $g ] || { log "no $g: run the build stage first"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

if want tests; then
  log "parity and GPU training tests (ctest -L gpu)"
  (cd build-gpu && timeout 200 ctest -L gpu -j4 --output-on-failure --timeout 100) > "$OUT/ctest_gpu.log" 2>&1
  grep -E "tests passed|tests failed|\(Failed\)|\(Timeout\)|\*\*\*Exception" "$OUT/ctest_gpu.log" | head -60 | tee -a "$OUT/summary.txt"
fi

if want bench; then
  log "benchmarks: gaplab (tf32, as the reference) and PyTorch on the same GPU"
  timeout 90 $g bench --device cuda 2>&1 | tee -a "$OUT/summary.txt"
  ref=$deps/pytorch_reference.py  # ../shared does not travel to the device machine
  [ -f "$ref" ] || ref=../shared/bench/pytorch_reference.py
  timeout 90 python3 "$ref" --device cuda 2>&1 | tee -a "$OUT/summary.txt"
  timeout 45 $g bench --device cuda --precision bf16 --case lm --case moe8k2 2>&1 | sed 's/^/bf16 /' | tee -a "$OUT/summary.txt"
fi

want runs && log "gaplab run with device: cuda (fmnist_mlp, lm)"
want runs && for w in fmnist_mlp fmnist_mlp_graph lm; do
  config=examples/${w%_graph}.yaml
  extra=""
  [ "$w" = fmnist_mlp_graph ] && extra="--set training.cuda_graph=true"
  echo "== $w" >> "$OUT/runs.log"
  timeout 150 $g run $config --set device=cuda $extra --out "$RES/$w.h5" --overwrite >> "$OUT/runs.log" 2>&1
  log "$w exit $? (0 = target reached): $(tail -2 "$OUT/runs.log" | tr '\n' ' ')"
  $g summary "$RES/$w.h5" 2>&1 | tee -a "$OUT/summary.txt"
done
want share && log "several trials on one GPU: 8 lm trials with 1 worker, then 4 workers (examples/gpu_shared_sweep.yaml)"
want share && for np in 2 5; do
  start=$SECONDS
  echo "== mpirun -np $np" >> "$OUT/share.log"
  rm -rf "$RES/shared_np$np.h5" "$RES/shared_np$np.h5.ckpt.d"  # a rerun would skip the done trials
  timeout 120 mpirun --allow-run-as-root --oversubscribe -np $np $g sweep examples/gpu_shared_sweep.yaml \
    --out "$RES/shared_np$np.h5" >> "$OUT/share.log" 2>&1
  rc=$?
  log "mpirun -np $np (workers $((np - 1))): exit $rc, wall $((SECONDS - start)) s"
done
log "done"
