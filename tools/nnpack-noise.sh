#!/usr/bin/env bash
# Counts libtorch's "Could not initialize NNPACK" lines on a render's stderr, as on a CPU where NNPACK
# cannot start (no AVX2, or a virtual machine that hides its caches). A tiny preloaded library makes
# cpuinfo report no caches, which is what NNPACK's start-up refuses; nothing else changes. Needs gcc.
#   tools/nnpack-noise.sh [ftval arguments...]      default: one fixture render of 3 steps
# Before the engine turned NNPACK off (LibTorch), a 3-step render printed 27 such lines; now 0.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/nocache.c" <<'C'
#include <stddef.h>
#include <stdint.h>
const void* cpuinfo_get_l1d_cache(uint32_t i) { return NULL; }
const void* cpuinfo_get_l2_cache(uint32_t i) { return NULL; }
const void* cpuinfo_get_l3_cache(uint32_t i) { return NULL; }
C
gcc -shared -fPIC -o "$work/nocache.so" "$work/nocache.c"
if [ $# -eq 0 ]; then
  set -- render --model "$root/fixtures/models/base" --seed 1 --prompt "a red circle" --steps 3 --threads 1 --out "$work/x.png"
fi
LD_PRELOAD="$work/nocache.so" "$root/ftval" "$@" > "$work/out" 2> "$work/err" || true
echo "stderr lines: $(wc -l < "$work/err"), of which NNPACK: $(grep -c 'Could not initialize NNPACK' "$work/err" || true)"
