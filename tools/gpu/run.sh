#!/usr/bin/env bash
# Runs ./ftval on this workplace's GPU machine (no Java there): `tools/gpu/run.sh compare --device gpu ...`.
# The first call unpacks what tools/gpu/stage.py packed into .gpu/ (a Java runtime in /tmp/jre, the
# jars where ./ftval's code looks for them: the command line, the coordinator, the worker), so the
# local cluster commands (cluster, demo, bench cluster) run there too. DJL finds the JNI built for the
# machine's torch beside its libtorch (PYTORCH_LIBRARY_PATH), which the services inherit.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
T=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
V=$(python3 -c 'import torch; print(torch.__version__.split("+")[0])')
[ -x /tmp/jre/bin/java ] && [ -f "$root/cli/target/ftval.jar" ] || python3 "$root/tools/gpu/stage.py" unpack
cp -n /tmp/libdjl_torch.so "$T/lib/"
export PYTORCH_LIBRARY_PATH=$T/lib PYTORCH_VERSION=$V PYTORCH_FLAVOR=cu130 DJL_CACHE_DIR=/tmp/djl
exec /tmp/jre/bin/java -Dai.djl.offline=true -Dftval.home="$root" -jar "$root/cli/target/ftval.jar" "$@"
