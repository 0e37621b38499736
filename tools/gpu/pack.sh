#!/usr/bin/env bash
# Packs what the Java command line needs on the GPU machine of this workplace (no Java there) into .gpu/:
# a jlink runtime, the CLI's jars without pytorch-native-cpu (the machine's libtorch replaces it)
# and DJL's JNI built for that torch (../shared/gpu-java/). The device tool carries .gpu/ along.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
./mvnw -q -B -DskipTests package -pl cli -am
out="$root/.gpu"
rm -rf "$out" && mkdir -p "$out/lib"
cp "${GPU_JNI:-$root/../shared/gpu-java/libdjl_torch.so}" "$out/"
cp cli/target/ftval.jar "$out/"
for jar in cli/target/lib/*.jar; do
  case "$(basename "$jar")" in
    pytorch-native-cpu-*|kafka-*|kafka_2.13-*|log4j-*|commons-collections-*|commons-beanutils-*|commons-digester-*|commons-logging-*|commons-text-*|commons-lang3-*|jose4j-*|opentelemetry-*|protobuf-*|jline-*|scala-*|jackson-dataformat-csv-*|jackson-module-scala*|jopt-simple-*|zstd-jni-*|snappy-java-*|lz4-java-*|caffeine-*|argparse4j-*|commons-validator-*|metrics-core-*|re2j-*|HdrHistogram-*|pcollections-*|bcpkix-*|bcprov-*|bcutil-*) ;; # not used on the GPU machine
    tokenizers-*)
      # keep only the linux-x86_64 native library: the jar carries every platform's
      tmp=$(mktemp -d); (cd "$tmp" && unzip -q "$root/$jar" && rm -rf native/lib/linux-aarch64 native/lib/osx-* native/lib/win-* && zip -qr "$out/lib/$(basename "$jar")" .); rm -rf "$tmp" ;;
    *) cp "$jar" "$out/lib/" ;;
  esac
done
# what render, hash and compare need (the cluster commands stay on this machine)
modules=java.base,java.logging,jdk.unsupported
rm -rf /tmp/ftval-jre
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=2 --strip-native-debug-symbols=exclude-debuginfo-files --output /tmp/ftval-jre
tar cJf "$out/jre.txz" -C /tmp/ftval-jre .
du -sh "$out" "$out"/* | sort -h | tail -5
