# The CPU worker's image, from the Maven build's output; libtorch is DJL's own CPU build, inside the
# pytorch-native-cpu jar, extracted to DJL_CACHE_DIR at the first start (offline: no download).
#   ./mvnw -pl validator-worker -am package -DskipTests
#   docker build -f deploy/images/worker.Dockerfile -t ftvalidator/worker:0.1.0 .
FROM eclipse-temurin:17-jre
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
COPY --chown=185:0 validator-worker/target/quarkus-app/lib/ /app/lib/
COPY --chown=185:0 validator-worker/target/quarkus-app/quarkus/ /app/quarkus/
COPY --chown=185:0 validator-worker/target/quarkus-app/app/ /app/app/
COPY --chown=185:0 validator-worker/target/quarkus-app/quarkus-run.jar /app/
RUN mkdir -p /var/cache/ftvalidator /var/cache/djl && chown 185:0 /var/cache/ftvalidator /var/cache/djl
USER 185
ENV DJL_CACHE_DIR=/var/cache/djl \
    FTVAL_WORKER_CACHE_DIR=/var/cache/ftvalidator \
    JAVA_OPTS="-XX:MaxRAMPercentage=50 -Dai.djl.offline=true"
EXPOSE 9001
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
