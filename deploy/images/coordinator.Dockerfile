# The coordinator's image, from the Maven build's output (no build inside the image):
#   ./mvnw -pl coordinator -am package -DskipTests
#   docker build -f deploy/images/coordinator.Dockerfile -t ftvalidator/coordinator:0.1.0 .
# Context: the repository root (.dockerignore lets only the built applications and deploy/images in).
FROM eclipse-temurin:17-jre
WORKDIR /app
# Quarkus' fast-jar layout, dependencies first: they change least, so their layer is reused
COPY --chown=185:0 coordinator/target/quarkus-app/lib/ /app/lib/
COPY --chown=185:0 coordinator/target/quarkus-app/quarkus/ /app/quarkus/
COPY --chown=185:0 coordinator/target/quarkus-app/app/ /app/app/
COPY --chown=185:0 coordinator/target/quarkus-app/quarkus-run.jar /app/
# Kafka Streams state (a volume in a deployment; restored from its changelog when lost)
RUN mkdir -p /var/lib/ftval && chown 185:0 /var/lib/ftval
USER 185
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75" FTVAL_STATE_DIR=/var/lib/ftval/streams
EXPOSE 8080 9000
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
