#!/usr/bin/env bash
# scripts/prepare_device_deps.sh — fills .device-deps/ (git-ignored) with what the
# GPU machine of the `device` tool lacks and cannot fetch (it has no network):
# CLI11's headers and CMake package, the fortune corpora (English, German) and
# Fashion-MNIST, copied from this machine's Debian packages. Then run
# scripts/gpu_check.sh there with `.device-deps` carried (about 40 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.device-deps
rm -rf "$dest"
mkdir -p "$dest/include" "$dest/share/cmake" "$dest/data"
cp -r /usr/include/CLI "$dest/include/"
cp -r /usr/share/cmake/CLI11 "$dest/share/cmake/"
# CLI11Config.cmake locates the headers relative to itself (share/cmake/CLI11 -> ../../../include).
cp -r /usr/share/games/fortunes "$dest/data/fortunes"
cp -r /usr/share/datasets/fashion-mnist "$dest/data/fashion-mnist"
cp ../shared/bench/pytorch_reference.py "$dest/"  # ../shared does not travel
grep -qx '/.device-deps/' .git/info/exclude 2>/dev/null || echo '/.device-deps/' >> .git/info/exclude
du -sh "$dest"
