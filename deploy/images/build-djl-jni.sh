#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) against the libtorch of an installed Python torch, so
# that the Java worker renders on that torch's CUDA build. The recipe measured on an H100/H200 with
# torch 2.11.0+cu130 (issue 10), made general: any torch, any place.
# Usage: build-djl-jni.sh DJL_SRC JAVA_HOME TORCH_DIR DEPS_DIR OUT_DIR
#   DJL_SRC   DJL's source at the version the worker uses (git tag v0.36.0)
#   JAVA_HOME a JDK with include/jni.h
#   TORCH_DIR the torch package folder (python -c 'import os, torch; print(os.path.dirname(torch.__file__))')
#   DEPS_DIR  jars holding ai.djl:api and its dependencies (the worker's quarkus-app/lib/main)
#   OUT_DIR   where libdjl_torch.so goes
# Needs cmake, make, a C++ compiler and, for CUDA, the toolkit's headers (a -devel image). About 35 s on 16 cores.
set -euo pipefail
src=$1; export JAVA_HOME=$2; torch=$3; deps=$4; out=$5
native="$src/engines/pytorch/pytorch-native"
mkdir -p "$native/build/include" "$out"
classes=$(mktemp -d)
# the JNI header, from DJL's Java declarations of its native methods
"$JAVA_HOME/bin/javac" -cp "$deps/*" -sourcepath "$src/engines/pytorch/pytorch-engine/src/main/java" \
  "$src/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java" \
  -h "$native/build/include" -d "$classes"
cuda=0
if python -c 'import sys, torch; sys.exit(0 if torch.version.cuda else 1)' 2>/dev/null; then cuda=1; fi
cd "$native/build"
cmake -DCMAKE_PREFIX_PATH="$torch/share/cmake" -DUSE_CUDA=$cuda -DJAVA_HOME="$JAVA_HOME" -DCMAKE_BUILD_TYPE=Release .. >cmake.log
make -j"$(nproc)" >make.log
# as DJL's own build does: link neither the toolkit's cudart nor its nvrtc, torch brings its own
sed -i -r "s/\/usr\/local\/cuda(.{5})?\/lib64\/lib(cudart|nvrtc).so//g" CMakeFiles/djl_torch.dir/link.txt
# the link line holds a literal $ORIGIN (the rpath): keep it literal when the line is run here
rm libdjl_torch.so && ORIGIN='$ORIGIN' && . CMakeFiles/djl_torch.dir/link.txt
cp libdjl_torch.so "$out/"
echo "built $out/libdjl_torch.so for torch $(python -c 'import torch; print(torch.__version__)')"
