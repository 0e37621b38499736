#!/usr/bin/env bash
# Renders every fixture submission (honest replicas, the merged bundle, the dishonest ones) under one
# seed with `ftval compare --json`, for tools/thresholds.py. docs/thresholds.md shows its use.
#   tools/calibrate.sh OUT.json SEED IMAGES [compare options: --threads N, --device gpu, ...]
# FTVAL (default ./ftval) is the launcher: tools/gpu/run.sh on the GPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1 seed=$2 images=$3
shift 3
M=fixtures/models L=fixtures/models/loras
${FTVAL:-./ftval} compare --base $M/base --seed "$seed" --images "$images" --prompts fixtures/prompts.txt --json "$@" \
  --model honest-1=$L/honest-1.safetensors --model honest-2=$L/honest-2.safetensors \
  --model honest-3=$L/honest-3.safetensors --model honest-4=$L/honest-4.safetensors \
  --model honest-bf16=$L/honest-bf16-mixed.safetensors --model merged-1=$M/honest-merged \
  --model dishonest-zero=$L/dishonest-zero.safetensors --model dishonest-half=$L/dishonest-half-steps.safetensors \
  --model dishonest-other=$L/dishonest-other-data.safetensors --model dishonest-random=$L/dishonest-random.safetensors >"$out"
