#!/usr/bin/env bash
# Runs ./ftval's jar on the GPU machine (see pack.sh): `tools/gpu/run.sh compare --device gpu ...`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
T=/opt/torch/.venv/lib/python3.12/site-packages/torch
cp "$root/.gpu/libdjl_torch.so" "$T/lib/"
[ -x /tmp/jre/bin/java ] || { mkdir -p /tmp/jre && tar xJf "$root/.gpu/jre.txz" -C /tmp/jre; }
export PYTORCH_LIBRARY_PATH=$T/lib PYTORCH_VERSION=2.11.0 PYTORCH_FLAVOR=cu130 DJL_CACHE_DIR=/tmp/djl
exec /tmp/jre/bin/java -Dai.djl.offline=true -Dai.djl.pytorch.graph_optimizer=false -Dftval.home="$root" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$root/.gpu/ftval.jar:$root/.gpu/lib/*" io.ftvalidator.cli.Ftval "$@"
