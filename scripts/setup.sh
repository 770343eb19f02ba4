#!/usr/bin/env bash
# scripts/setup.sh — install what is missing, then configure and build gaplab (Release).
#
# Why: README command 1 and 2 start here on a fresh Debian 12 machine. Idempotent:
# installed packages are skipped, an existing build directory is reused.
#   scripts/setup.sh [--build-dir DIR] [--with-reference] [--no-build]
#   --with-reference  also install Debian's python3-torch + OpenBLAS for bench comparisons
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$root/build"
with_reference=0
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --with-reference) with_reference=1; shift ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

packages=(cmake g++ make openmpi-bin libopenmpi-dev libhdf5-dev hdf5-tools libeigen3-dev
          libyaml-cpp-dev libgtest-dev libcli11-dev zlib1g-dev dataset-fashion-mnist fortunes fortunes-de gnuplot-nox
          python3-h5py
          slurm-wlm munge libpmix-dev)
# slurm-wlm + munge: the one-node test cluster of the slurm tests (scripts/slurm_test_cluster.sh).
# libpmix-dev: Slurm's mpi_pmix plugin dlopens pmix2/lib/libpmix.so, the unversioned
# link that only the -dev package ships; without it `srun --mpi=pmix` fails.
[ "$with_reference" = 1 ] && packages+=(python3-torch libopenblas0-pthread)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: missing Debian packages: ${missing[*]}" >&2
    echo "setup.sh: run as root:  sudo sh -c '$cmd'" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ "$do_build" = 1 ] || exit 0
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
# The gaplab binary only (README command 1); scripts/test.sh builds the tests too.
cmake --build "$build_dir" -j"$(nproc)" --target gaplab
echo "setup.sh: built $build_dir/cli/gaplab"
