#!/bin/sh
# Starts the CUDA worker on the image's libtorch: DJL reads its version and flavour from these
# variables (set at image build from the installed torch) and loads libdjl_torch.so beside it.
# graph_optimizer=false (JAVA_OPTS): with it on, GPU outputs change after the first calls.
set -e
export PYTORCH_VERSION="${PYTORCH_VERSION:-$(cat /opt/torch-version)}"
export PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-$(cat /opt/torch-flavor)}"
exec java $JAVA_OPTS -jar /app/quarkus-run.jar "$@"
