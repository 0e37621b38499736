# The CUDA worker's image (issue 10): libtorch is the one of the PyTorch CUDA runtime image, and
# DJL's PyTorch JNI (libdjl_torch.so) is compiled against it in the first stage by
# build-djl-jni.sh, from DJL's own source at the DJL version the worker uses. Nothing comes from
# outside the image at run time.
#   ./mvnw -pl validator-worker -am package -DskipTests
#   docker build -f deploy/images/worker-cuda.Dockerfile -t ftvalidator/worker-cuda:0.1.0 .
# Another torch: pass TORCH_IMAGE and TORCH_DEVEL_IMAGE of the same version (the JNI is rebuilt for it).
ARG TORCH_IMAGE=pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime
ARG TORCH_DEVEL_IMAGE=pytorch/pytorch:2.7.1-cuda12.8-cudnn9-devel

FROM ${TORCH_DEVEL_IMAGE} AS jni
ARG DJL_VERSION=0.36.0
RUN apt-get update && apt-get install -y --no-install-recommends cmake make g++ git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# a JDK for the JNI headers (include/jni.h) and javac -h
COPY --from=eclipse-temurin:17-jdk /opt/java/openjdk /opt/jdk
RUN git clone --depth 1 --branch v${DJL_VERSION} https://github.com/deepjavalibrary/djl.git /djl
# DJL's API jars (for javac -h) as the worker ships them
COPY validator-worker/target/quarkus-app/lib/main/ /deps/
COPY deploy/images/build-djl-jni.sh /usr/local/bin/
RUN mkdir /out && build-djl-jni.sh /djl /opt/jdk "$(python -c 'import os, torch; print(os.path.dirname(torch.__file__))')" /deps /out

FROM ${TORCH_IMAGE}
COPY --from=eclipse-temurin:17-jre /opt/java/openjdk /opt/java/openjdk
WORKDIR /app
COPY --chown=185:0 validator-worker/target/quarkus-app/lib/ /app/lib/
# the CPU libtorch jar would be ignored (PYTORCH_LIBRARY_PATH wins) but weighs 200 MB: left out
RUN rm -f /app/lib/main/ai.djl.pytorch.pytorch-native-cpu-*.jar
COPY --chown=185:0 validator-worker/target/quarkus-app/quarkus/ /app/quarkus/
COPY --chown=185:0 validator-worker/target/quarkus-app/app/ /app/app/
COPY --chown=185:0 validator-worker/target/quarkus-app/quarkus-run.jar /app/
# the JNI beside libtorch, where DJL looks first (PYTORCH_LIBRARY_PATH)
COPY --from=jni /out/libdjl_torch.so /tmp/libdjl_torch.so
RUN T="$(python -c 'import os, torch; print(os.path.dirname(torch.__file__))')" \
    && mv /tmp/libdjl_torch.so "$T/lib/" \
    && ln -s "$T/lib" /opt/torch-lib \
    && python -c 'import torch; print(torch.__version__.split("+")[0])' > /opt/torch-version \
    && python -c 'import torch; print("cu" + torch.version.cuda.replace(".", ""))' > /opt/torch-flavor \
    && useradd -u 185 -g 0 -M -d /app ftval 2>/dev/null || true \
    && mkdir -p /var/cache/ftvalidator /var/cache/djl && chown 185:0 /var/cache/ftvalidator /var/cache/djl
COPY deploy/images/worker-cuda-entrypoint.sh /usr/local/bin/
USER 185
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH DJL_CACHE_DIR=/var/cache/djl \
    PYTORCH_LIBRARY_PATH=/opt/torch-lib \
    FTVAL_WORKER_CACHE_DIR=/var/cache/ftvalidator FTVAL_WORKER_DEVICE=gpu \
    JAVA_OPTS="-XX:MaxRAMPercentage=50 -Dai.djl.offline=true -Dai.djl.pytorch.graph_optimizer=false"
EXPOSE 9001
ENTRYPOINT ["worker-cuda-entrypoint.sh"]
