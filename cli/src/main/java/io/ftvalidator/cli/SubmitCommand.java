package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.render.RenderSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "submit", description = "Submits a validation to a running coordinator and prints its id; --wait shows progress and the verdict.")
final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    ValidationOptions validation;

    @Mixin
    RenderOptions render;

    @Option(names = "--id", description = "the validation id (default: generated)")
    String id;

    @Option(names = "--deadline", description = "seconds until an unfinished validation is decided INCONCLUSIVE (default: ${DEFAULT-VALUE})")
    long deadlineSeconds;

    @Option(names = "--wait", description = "wait for the decision, showing progress")
    boolean await;

    @Option(names = "--json", description = "print the coordinator's answer as JSON: the acceptance, or with --wait the decided status")
    boolean json;

    @Option(names = "--exit-code", description = "with --wait, exit with the verdict: 0 AGREED, 3 OUTLIER, 4 no agreement (NO_CONSENSUS, INCONCLUSIVE, REJECTED)")
    boolean exitCode;

    @Mixin
    ProgressOptions progress;

    @Override
    public Integer call() throws IOException, InterruptedException {
        ObjectNode request = request(validation, render.settings(), id, deadlineSeconds);
        CoordinatorClient client = cluster.client();
        JsonNode accepted = client.submit(request);
        String validationId = accepted.path("validationId").asText();
        PrintWriter out = spec.commandLine().getOut();
        if (!await) {
            out.println(json ? CoordinatorClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(accepted) : validationId);
            return 0;
        }
        if (!json) {
            out.println(validationId);
            out.flush();
        }
        JsonNode status;
        try (Progress bar = progress.start(spec.commandLine().getErr(), json, validation.images, "images")) {
            status = client.awaitDecision(validationId, Duration.ofSeconds(deadlineSeconds + 30), s -> StatusPrinter.progress(bar, s));
        }
        StatusPrinter.print(out, status, json);
        return exitCode ? StatusPrinter.exitCode(status) : 0;
    }

    /** The JSON request of POST /validations for these options: local paths become file: URIs with their digests. */
    static ObjectNode request(ValidationOptions v, RenderSettings settings, String id, long deadlineSeconds) throws IOException {
        ObjectNode json = CoordinatorClient.JSON.createObjectNode();
        if (id != null) {
            json.put("validationId", id);
        }
        // the base, resolved once: its digest is the same for every LoRA on it
        Optional<Located> base = Optional.ofNullable(v.base).map(SubmissionArg::parse).map(SubmitCommand::uriAndDigest);
        ArrayNode subs = json.putArray("submissions");
        for (SubmissionArg s : v.submissions()) {
            ObjectNode sub = subs.addObject();
            sub.put("id", s.id());
            Located model = uriAndDigest(s);
            sub.put("modelUri", model.uri());
            sub.put("sha256", model.sha256());
            boolean lora = s.remote() ? s.location().endsWith(".safetensors") : ModelCache.isLora(s.model().path());
            if (lora) {
                Located b = base.orElseThrow(() -> new IllegalArgumentException(s.location() + " is a LoRA: give --base"));
                sub.put("baseModelUri", b.uri());
                sub.put("baseSha256", b.sha256());
            }
        }
        json.put("seed", new BigInteger(Long.toUnsignedString(v.seed)));
        json.put("images", v.images);
        v.checkPrompts();
        ArrayNode prompts = v.prompts != null ? json.putArray("prompts") : json.putArray("promptPool");
        (v.prompts != null ? v.prompts : v.pool()).forEach(prompts::add);
        ObjectNode s = json.putObject("settings");
        s.put("sampler", settings.sampler().id());
        s.put("steps", settings.steps());
        s.put("guidance", settings.guidance());
        s.put("width", settings.width());
        s.put("height", settings.height());
        s.put("negativePrompt", settings.negativePrompt());
        json.put("rule", v.parsedRule().id());
        json.put("hashAlgorithm", v.algorithm);
        if (v.threshold != null) {
            json.put("threshold", v.threshold);
        }
        json.put("deadlineSeconds", deadlineSeconds);
        return json;
    }

    /** Where the coordinator's workers fetch a model, and its digest. */
    private record Located(String uri, String sha256) {}

    /** An http(s) model must name its digest; a local one becomes a file: URI, its digest computed if not given. */
    private static Located uriAndDigest(SubmissionArg s) {
        if (s.remote()) {
            return new Located(s.location(), s.sha256().orElseThrow(() -> new IllegalArgumentException(
                    s.location() + ": a remote model needs its digest, URI#sha256=HEX")));
        }
        Path path = s.model().path();
        return new Located(path.toAbsolutePath().normalize().toUri().toString(), s.sha256().orElseGet(() -> Verified.digestOf(path)));
    }
}
