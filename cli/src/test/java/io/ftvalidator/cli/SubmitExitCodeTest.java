package io.ftvalidator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code submit --wait} and {@code status} exit with the verdict only under {@code --exit-code}.
 * The coordinator here answers its REST API's documented bodies (the end-to-end path with a real
 * coordinator is cluster-tests'); what is under test is the command line's reading of them.
 */
class SubmitExitCodeTest {

    private HttpServer coordinator;
    private String verdict;
    private final List<String> posted = new ArrayList<>();
    private String requiredKey;

    @BeforeEach
    void start() throws IOException {
        coordinator = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        coordinator.createContext("/validations", this::answer);
        coordinator.start();
    }

    @AfterEach
    void stop() {
        coordinator.stop(0);
    }

    private void answer(HttpExchange x) throws IOException {
        String body;
        int code;
        if (requiredKey != null && !("Bearer " + requiredKey).equals(x.getRequestHeaders().getFirst("Authorization"))) {
            x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"ftvalidator\"");
            x.sendResponseHeaders(401, -1);
            x.close();
            return;
        }
        if (x.getRequestMethod().equals("POST")) {
            posted.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            code = 202;
            body = "{\"validationId\":\"v1\",\"status\":\"ACCEPTED\",\"images\":2,\"statusUrl\":\"/validations/v1\"}";
        } else {
            code = 200;
            body = "{\"validationId\":\"v1\",\"state\":\"DECIDED\",\"images\":2,\"imagesDone\":2,\"submissions\":[\"honest-1\",\"honest-2\",\"cheat\"],"
                    + "\"decision\":{\"status\":\"DECIDED\",\"verdict\":\"" + verdict + "\",\"reason\":\"r\",\"rule\":\"mean\",\"threshold\":10.0,"
                    + "\"hashAlgorithm\":\"goimagehash\",\"pairs\":[],\"agreeing\":[],\"outliers\":[],\"failed\":[],\"missingImages\":[],"
                    + "\"renders\":[],\"decidedAt\":\"2026-11-25T12:00:00Z\"}}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(code, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    private CommandLineErrorsTest.Run submit(String... more) {
        List<String> args = new ArrayList<>(List.of("submit", "--coordinator", "http://localhost:" + coordinator.getAddress().getPort(),
                "--base", Fixtures.base().toString(), "--model", Fixtures.lora("honest-1").toString(),
                "--model", Fixtures.lora("honest-2").toString(), "--model", "cheat=" + Fixtures.lora("dishonest-zero"),
                "--seed", "7", "--images", "2", "--prompt", "a red circle", "--wait"));
        args.addAll(List.of(more));
        return CommandLineErrorsTest.ftval(args.toArray(String[]::new));
    }

    @Test
    void shouldExitWithTheVerdictOfTheDecisionWhenAsked() throws Exception {
        verdict = "OUTLIER";
        assertThat(submit().exit()).isZero();
        CommandLineErrorsTest.Run asked = submit("--exit-code");
        assertThat(asked.exit()).isEqualTo(Ftval.OUTLIER);
        assertThat(asked.out()).startsWith("v1\n").contains("verdict OUTLIER: r");
        verdict = "NO_CONSENSUS";
        assertThat(submit("--exit-code").exit()).isEqualTo(Ftval.NO_AGREEMENT);
        verdict = "AGREED";
        assertThat(submit("--exit-code").exit()).isZero();
        // the request carried core's defaults for what the command line left out
        var request = new ObjectMapper().readTree(posted.get(0));
        assertThat(request.path("settings").path("steps").asInt()).isEqualTo(30);
        assertThat(request.path("settings").path("sampler").asText()).isEqualTo("dpm++");
        assertThat(request.path("deadlineSeconds").asLong()).isEqualTo(600);
        assertThat(request.path("submissions").findValuesAsText("id")).containsExactly("honest-1", "honest-2", "cheat");
    }

    @Test
    void shouldPrintTheDecidedStatusAsJson() throws Exception {
        verdict = "OUTLIER";
        CommandLineErrorsTest.Run run = submit("--json", "--exit-code");
        assertThat(run.exit()).isEqualTo(Ftval.OUTLIER);
        assertThat(new ObjectMapper().readTree(run.out()).path("decision").path("verdict").asText()).isEqualTo("OUTLIER");
        CommandLineErrorsTest.Run status = CommandLineErrorsTest.ftval("status", "--coordinator",
                "http://localhost:" + coordinator.getAddress().getPort(), "v1", "--exit-code");
        assertThat(status.exit()).isEqualTo(Ftval.OUTLIER);
    }

    @Test
    void shouldSendTheApiKeyAndSayWhatToDoWhenItIsRefused() throws Exception {
        verdict = "AGREED";
        requiredKey = "k-0123456789";
        CommandLineErrorsTest.Run refused = submit();
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("refused the request without an API key (HTTP 401): give --api-key or FTVAL_API_KEY");
        assertThat(submit("--api-key", "wrong").err()).contains("refused the API key (HTTP 401)");
        assertThat(submit("--api-key", requiredKey).exit()).isZero();
        assertThat(CommandLineErrorsTest.ftval("status", "--coordinator", "http://localhost:" + coordinator.getAddress().getPort(),
                "--api-key", requiredKey, "v1").exit()).isZero();
    }
}
