#!/usr/bin/env bash
# Renders every submission of a fixture family under one seed with `ftval compare --json`, for
# tools/thresholds.py (docs/thresholds.md shows its use). The submissions are every LoRA file at the
# top of FAMILY/loras/ (named by file: honest-*, stress-*, dishonest-*) and FAMILY/honest-merged when
# it exists.
#   tools/calibrate.sh OUT.json SEED IMAGES [compare options: --threads N, --device gpu, ...]
# FAMILY (default fixtures/models; fixtures/models-b is the second base) picks the family;
# FTVAL (default ./ftval) is the launcher: tools/gpu/run.sh on the GPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1 seed=$2 images=$3
shift 3
M=${FAMILY:-fixtures/models}
models=()
for f in "$M"/loras/*.safetensors; do
  name=$(basename "$f" .safetensors)
  models+=(--model "$name=$f")
done
[ -d "$M/honest-merged" ] && models+=(--model "merged-1=$M/honest-merged")
${FTVAL:-./ftval} compare --base "$M/base" --seed "$seed" --images "$images" --prompts fixtures/prompts.txt --json "$@" \
  "${models[@]}" >"$out"
