#!/usr/bin/env bash
# Prints the numerical environment this machine runs the tests under: CPU model and the ISA
# extensions that pick GEMM kernels (AVX-512, AVX2, FMA), the thread count, and the variables
# that steer OpenBLAS, OpenMP, oneDNN and the lab (set, with their value, or unset). .ci/run calls
# it before the tests, so a failure on some machine can be read from its log.
# It only reads: it sets, unsets and exports nothing (and, run as `bash FILE`, could not change
# its caller's environment anyway). Needs bash, coreutils and grep; always exits 0.
set -u

cpuinfo=/proc/cpuinfo
field() { # the value of the first "NAME : value" line of /proc/cpuinfo matching the regex $1
  local line
  [[ -r $cpuinfo ]] || return 0
  line=$(grep -m1 -E "^($1)[[:space:]]*:" "$cpuinfo" 2>/dev/null) || return 0
  line=${line#*:}
  line=${line#"${line%%[![:space:]]*}"}
  printf '%s' "$line"
}

model=$(field 'model name|Model|Hardware')
flags=" $(field 'flags|Features') "
arch=$(uname -m 2>/dev/null || echo unknown)

has() { [[ $flags == *" $1 "* ]]; }
yes_no() { if has "$1"; then echo yes; else echo no; fi; }

avx512=()
for flag in $flags; do
  [[ $flag == avx512* ]] && avx512+=("$flag")
done

echo "numerics environment (what decides float rounding and threading here; never changed by CI)"
echo "  cpu      ${model:-unknown} ($arch)"
if [[ $flags == "  " ]]; then
  echo "  isa      unknown (no flags in $cpuinfo)"
else
  if ((${#avx512[@]})); then
    echo "  avx512   yes (${avx512[*]})"
  else
    echo "  avx512   no"
  fi
  echo "  avx2     $(yes_no avx2)"
  echo "  fma      $(yes_no fma)"
fi
# nproc itself honours OMP_NUM_THREADS and OMP_THREAD_LIMIT: ask it without them (for nproc's
# process only) to get the cores this process may run on, which is what the lab's default uses.
available=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo unknown)
online=$(nproc --all 2>/dev/null || echo unknown)
echo "  threads  $available available to this process (nproc), $online online"

# Always listed, set or not; any other variable of these families that is set follows them.
# (oneDNN reads each of its settings as ONEDNN_* or DNNL_*.)
known=(
  OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS GOTO_NUM_THREADS
  OMP_NUM_THREADS OMP_THREAD_LIMIT OMP_DYNAMIC OMP_PROC_BIND OMP_PLACES
  ONEDNN_MAX_CPU_ISA DNNL_MAX_CPU_ISA ONEDNN_DEFAULT_FPMATH_MODE DNNL_DEFAULT_FPMATH_MODE
  SIAMESE_LAB_GEMM SIAMESE_LAB_DISABLE_BLAS SIAMESE_LAB_DISABLE_TENSORFLOW
)
families='^(OPENBLAS|GOTO|OMP|DNNL|ONEDNN|SIAMESE_LAB)_'

show() { # one variable: its value, or unset; values that may hold a password are not shown
  local name=$1
  if [[ -z ${!name+set} ]]; then
    printf '  %-31s unset\n' "$name"
  elif [[ -z ${!name} ]]; then
    printf '  %-31s set, empty\n' "$name"
  elif [[ $name =~ (QUEUE|URL|PASSWORD|TOKEN|SECRET) || ${!name} == *://*@* ]]; then
    printf '  %-31s set (value not shown: it may hold a password)\n' "$name"
  else
    printf '  %-31s %s\n' "$name" "${!name}"
  fi
}

echo "environment variables"
for name in "${known[@]}"; do show "$name"; done
for name in $(compgen -e | grep -E "$families" | LC_ALL=C sort); do
  [[ " ${known[*]} " == *" $name "* ]] || show "$name"
done
exit 0
