#!/usr/bin/env bash
# The GPU measurements of docs/gpu.md, on this workplace's GPU machine, stage by stage:
#   tools/gpu/session.sh STAGE...      (there, after tools/gpu/stage.py pack here; logs go to $OUT)
# stages:
#   setup     the Java runtime and jars in place (tools/gpu/stage.py unpack), the machine's GPU named
#   sd        the SD 1.5-sized bundle (tools/gpu/sd15_bundle.py) and its rank-8 LoRAs, in /tmp/sd
#   bench     ./ftval bench render on the GPU: SD-sized bundle and the fixture base, Java against Python
#   overhead  ./ftval bench cluster on the GPU at SD size: a GPU worker against the pure render
#   overhead1 the same with the worker on one render slot (FTVAL_WORKER_SLOTS=1), as the pure render has
#   mixed     a cluster of a GPU worker and a CPU worker validating the fixtures and the SD-sized LoRAs
#             (logs and decisions in $OUT/mixed.tgz)
#   cpu       the same validations with compare on the CPU alone (the verdicts to match; per-image hashes)
#   check     after an engine change: compare on the GPU (fixtures, SD-sized LoRAs; hashes against drift's)
#             and bench render at SD size
#   drift     the same with compare on the GPU (hashes against cpu's), and the SD-sized bundle in float16
#             against float32 on the GPU
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
SD=/tmp/sd
export PYTHONUNBUFFERED=1 FTVAL_PYTHON=python3
ftval() { tools/gpu/run.sh "$@"; }
stamp() { echo "== $(date -u +%H:%M:%S) $*"; }
fixture_group=(--base fixtures/models/base --model honest-1=fixtures/models/loras/honest-1.safetensors
  --model honest-2=fixtures/models/loras/honest-2.safetensors --model dishonest=fixtures/models/loras/dishonest-half-steps.safetensors)
sd_group=(--base $SD/bundle --model honest-1=$SD/loras/honest-1.safetensors --model honest-2=$SD/loras/honest-2.safetensors
  --model dishonest-half=$SD/loras/dishonest-half.safetensors --model dishonest-other=$SD/loras/dishonest-other.safetensors)
sd_small=(--width 256 --height 256 --steps 10)

setup() {
  python3 tools/gpu/stage.py unpack && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'
  nproc; free -g | head -2
}

sd() {
  [ -f $SD/bundle/SHA256SUMS ] || python3 tools/gpu/sd15_bundle.py $SD --threads "$(nproc)"
  [ -f $SD/loras/honest-1.safetensors ] || python3 python/sd_synthetic.py sd15-loras $SD/loras
  du -sh $SD/bundle $SD/loras
}

bench() {
  ftval bench render --model $SD/bundle --device gpu --runs 3 --steps 20 --python python3
  ftval bench render --model $SD/bundle --device gpu --runs 3 --steps 20 --python python3 --width 256 --height 256
  ftval bench render --device gpu --runs 5 --python python3
}

overhead() {
  ftval bench cluster "${sd_group[@]:0:8}" --device gpu --workers 1 --images 6 --steps 20 --rate-validations 50
}

overhead1() {
  FTVAL_WORKER_SLOTS=1 overhead
}

mixed() {
  mkdir -p /tmp/mixed
  ftval cluster --worker-device gpu --worker-device cpu --allow-bundles --work-dir /tmp/mixed --json > /tmp/mixed.json 2> /tmp/mixed/cluster.err &
  for _ in $(seq 240); do [ -s /tmp/mixed.json ] && break; sleep 0.5; done
  cat /tmp/mixed.json
  export FTVAL_API_KEY=$(python3 -c 'import json; print(json.load(open("/tmp/mixed.json"))["apiKey"])')
  stamp "fixtures, mixed cluster"
  ftval submit "${fixture_group[@]}" --seed 42 --images 8 --prompts fixtures/prompts.txt --wait --json > /tmp/mixed/decision-fixtures.json
  stamp "SD-sized, mixed cluster"
  ftval submit "${sd_group[@]}" "${sd_small[@]}" --seed 42 --images 6 --prompts fixtures/prompts.txt --wait --json > /tmp/mixed/decision-sd.json
  stamp "done"
  python3 tools/gpu/decision_summary.py /tmp/mixed/decision-fixtures.json /tmp/mixed/decision-sd.json
  kill %1; wait
  grep -h "slots\|device" /tmp/mixed/worker-*.log | head -20
  tar czf "$OUT/mixed.tgz" -C /tmp/mixed --exclude kafka --exclude worker-cache --exclude coordinator-state .
}

cpu() {
  ftval compare "${fixture_group[@]}" --seed 42 --images 8 --prompts fixtures/prompts.txt --device cpu --json > "$OUT/cpu-fixtures.json"
  ftval compare "${sd_group[@]}" "${sd_small[@]}" --seed 42 --images 6 --prompts fixtures/prompts.txt --device cpu --json > "$OUT/cpu-sd.json"
  python3 tools/gpu/decision_summary.py "$OUT/cpu-fixtures.json" "$OUT/cpu-sd.json"
}

drift() {
  gpu_compares gpu
  fp16
}

# compare on the GPU: the fixtures and the SD-sized LoRAs, into $OUT/PREFIX-*.json
gpu_compares() {
  ftval compare "${fixture_group[@]}" --seed 42 --images 8 --prompts fixtures/prompts.txt --device gpu --json > "$OUT/$1-fixtures.json"
  ftval compare "${sd_group[@]}" "${sd_small[@]}" --seed 42 --images 6 --prompts fixtures/prompts.txt --device gpu --json > "$OUT/$1-sd.json"
  python3 tools/gpu/decision_summary.py "$OUT/$1-fixtures.json" "$OUT/$1-sd.json"
}

check() {
  gpu_compares check
  ftval bench render --model $SD/bundle --device gpu --runs 3 --steps 20 --python python3
}

fp16() {
  [ -f $SD/bundle16/SHA256SUMS ] || { python3 tools/gpu/half_bundle.py $SD/bundle $SD/bundle16 && ftval digest $SD/bundle16; }
  local m=(--model fp32=$SD/bundle --model fp16=$SD/bundle16 --seed 42 --images 8 --prompts fixtures/prompts.txt --json --device gpu)
  ftval compare "${m[@]}" --steps 20 > "$OUT/fp16-gpu.json"
  ftval compare "${m[@]}" "${sd_small[@]}" > "$OUT/fp16-gpu-256.json"
  python3 tools/gpu/decision_summary.py "$OUT"/fp16-*.json
}

for s in "$@"; do
  stamp "$s"
  $s 2>&1 | tee "/tmp/$s.log"
done
stamp end
# what comes back is at most 8 files: the logs in one
tar czf "$OUT/logs.tgz" -C /tmp "${@/%/.log}"
