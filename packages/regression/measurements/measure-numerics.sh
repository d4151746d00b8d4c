#!/usr/bin/env bash
# Runs an experiment once per numerics variant (OpenBLAS kernel x thread count, and other
# providers/backends when given), one job at a time under nice, each into its own database.
# MEASUREMENT SCRIPT ONLY: it sets OPENBLAS_CORETYPE on purpose; tests, CI and the product never do.
#
#   bash packages/regression/measurements/measure-numerics.sh EXPERIMENT.yaml OUT_DIR VARIANT...
#
# A variant is KERNEL-THREADS for the blas backend with the OpenBLAS provider (KERNEL: an
# OPENBLAS_CORETYPE value, or "default" for unset), onednn-THREADS for the blas backend with the
# oneDNN provider (SIAMESE_LAB_GEMM=onednn), or a backend name (wasm, cpu). Example:
#   bash packages/regression/measurements/measure-numerics.sh \
#     packages/regression/measurements/numerics-sweep.yaml /tmp/numerics Haswell-2 SkylakeX-2 default-2 Haswell-1
# then: pnpm exec tsx packages/regression/measurements/analyse-numerics.ts numerics-sweep /tmp/numerics
set -euo pipefail
file=$1; out=$2; shift 2
mkdir -p "$out"
for variant in "$@"; do
  db="$out/$variant.sqlite"
  case $variant in
    wasm|cpu) env -u OPENBLAS_CORETYPE nice -n 10 pnpm -s lab run "$file" --db "$db" --backend "$variant" --no-report ;;
    onednn-*) env -u OPENBLAS_CORETYPE SIAMESE_LAB_GEMM=onednn nice -n 10 pnpm -s lab run "$file" --db "$db" --backend blas --threads "${variant#onednn-}" --no-report ;;
    default-*) env -u OPENBLAS_CORETYPE SIAMESE_LAB_GEMM=openblas nice -n 10 pnpm -s lab run "$file" --db "$db" --backend blas --threads "${variant#default-}" --no-report ;;
    *-*) OPENBLAS_CORETYPE="${variant%-*}" SIAMESE_LAB_GEMM=openblas nice -n 10 pnpm -s lab run "$file" --db "$db" --backend blas --threads "${variant##*-}" --no-report ;;
    *) echo "unknown variant $variant" >&2; exit 2 ;;
  esac
done
