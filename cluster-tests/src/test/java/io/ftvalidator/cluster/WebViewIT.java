package io.ftvalidator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The coordinator's web view in a real headless Chromium (Debian's {@code chromium}), on a real
 * cluster that rendered a small validation: the pages the browser built (their DOM once the
 * scripts ran) show the verdict, the distances and every image, loaded. Skipped only where
 * Chromium is not installed (CI installs it). Screenshots go to {@code target/web-view/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebViewIT {

    private static final String ID = "web-view";
    private static final List<String> SUBMISSIONS = List.of("honest-1", "honest-2", "dishonest-zero");
    private static final int IMAGES = 3;
    private static final Path SHOTS = TestCluster.HOME.resolve("cluster-tests/target/web-view");

    private Path chromium;
    private TestCluster cluster;
    private JsonNode status;

    @BeforeAll
    void start() throws Exception {
        chromium = chromium().orElse(null);
        if (chromium == null) {
            return; // each test is skipped, saying why (below): no cluster to start
        }
        // the page's rendering is what this class checks: the view is opened to any caller here (a browser
        // on a real cluster gives an operator's key: ClusterEndToEndIT.shouldAskABrowserForAnOperatorsKeyOnTheWebView)
        cluster = TestCluster.startWithCoordinator(1, Map.of("quarkus.http.auth.permission.ui.policy", "permit"));
        HttpResponse<String> accepted = cluster.post(TestCluster.request(ID, SUBMISSIONS,
                SUBMISSIONS.stream().map(TestCluster::lora).toList(), IMAGES, "mean"));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        status = cluster.awaitDecision(ID, Duration.ofMinutes(4), new ArrayList<>());
        Files.createDirectories(SHOTS);
    }

    @BeforeEach
    void needsChromium() {
        assumeTrue(chromium != null, "chromium is not installed (apt-get install chromium; .ci/run installs it): the web view is not tested");
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldShowAFinishedValidationsVerdictDistancesAndEveryImage() throws Exception {
        String url = cluster.cluster.coordinatorUrl() + "/ui/validation.html?id=" + ID;
        String dom = settled(url, "data-settled=\"true\"");
        JsonNode d = status.path("decision");
        assertThat(d.path("verdict").asText()).isEqualTo("OUTLIER");
        assertThat(dom).contains("data-verdict=\"OUTLIER\"");
        assertThat(dom).contains(d.path("reason").asText().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"));

        // every image of every submission, each loaded by the browser from the coordinator
        List<String> loaded = matches(dom, "<img [^>]*src=\"(/ui/api/validations/web-view/renders/[^\"]+)\"[^>]*data-loaded=\"true\"");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            for (String s : SUBMISSIONS) {
                expected.add("/ui/api/validations/web-view/renders/" + i + "/" + s);
            }
        }
        assertThat(loaded).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(dom).doesNotContain("data-failed=");

        // each pair's per-image distances as the decision has them, and the split pairs marked in the matrix
        for (JsonNode p : d.path("pairs")) {
            String row = between(dom, "<tr data-pair=\"" + p.path("first").asText() + "|" + p.path("second").asText() + "\">", "</tr>");
            List<String> cells = matches(row, "<td class=\"num(?: over)?\">(\\d+)</td>");
            List<String> distances = new ArrayList<>();
            p.path("distances").forEach(x -> distances.add(x.asText()));
            assertThat(cells.subList(0, IMAGES)).as(row).isEqualTo(distances);
            assertThat(row).contains(p.path("same").asBoolean() ? ">yes</td>" : ">no</td>");
        }
        assertThat(d.path("pairs")).hasSize(3);
        int splitPairs = 0;
        for (JsonNode p : d.path("pairs")) {
            splitPairs += p.path("same").asBoolean() ? 0 : 1;
        }
        String matrix = between(dom, "<div id=\"matrix\">", "</div>");
        assertThat(matches(matrix, "<td class=\"num split\"")).hasSize(2 * splitPairs);
        assertThat(splitPairs).isEqualTo(2); // dishonest-zero against each honest submission

        screenshot(url, SHOTS.resolve("validation.png"), 1400, 1500);
    }

    @Test
    void shouldServeEachImageAsAPngNoLargerThanTheWorkersMaxSide() throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                cluster.cluster.coordinatorUrl() + "/ui/api/validations/" + ID + "/renders/0/dishonest-zero")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
        ByteBuffer png = ByteBuffer.wrap(r.body());
        assertThat(png.getLong(0)).isEqualTo(0x89504E470D0A1A0AL);
        assertThat(png.getInt(16)).isBetween(1, 256); // IHDR width
        assertThat(png.getInt(20)).isBetween(1, 256); // IHDR height
        assertThat(cluster.metric(cluster.cluster.workers().get(0), "ftval_worker_renders_published_total", "outcome=\"sent\""))
                .isEqualTo(IMAGES * SUBMISSIONS.size());
    }

    @Test
    void shouldListTheValidationWithItsStateProgressAndVerdict() throws Exception {
        String url = cluster.cluster.coordinatorUrl() + "/ui/index.html";
        String dom = settled(url, "data-loaded=\"true\"");
        String row = between(dom, "<tr data-id=\"" + ID + "\"", "</tr>");
        assertThat(row).contains("data-state=\"DECIDED\"");
        assertThat(row).contains("<td class=\"verdict\"><span class=\"badge OUTLIER\">OUTLIER</span></td>");
        assertThat(row).contains(IMAGES + "/" + IMAGES);
        assertThat(row).contains("dishonest-zero");
        assertThat(row).contains("href=\"validation.html?id=" + ID + "\"");
        screenshot(url, SHOTS.resolve("list.png"), 1400, 500);

        HttpResponse<Void> bare = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                cluster.cluster.coordinatorUrl() + "/ui")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(bare.statusCode()).isEqualTo(302);
        assertThat(bare.headers().firstValue("Location")).hasValue("ui/");
    }

    /** The DOM of {@code url} once it contains {@code marker} (the page's scripts set it when done), loaded again until then. */
    private String settled(String url, String marker) throws IOException, InterruptedException {
        String dom = "";
        long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < until) {
            dom = browse(url, "--dump-dom");
            if (dom.contains(marker)) {
                return dom;
            }
        }
        throw new AssertionError("the page " + url + " never showed " + marker + "; its last DOM:\n" + dom);
    }

    private void screenshot(String url, Path file, int width, int height) throws IOException, InterruptedException {
        Files.deleteIfExists(file);
        browse(url, "--screenshot=" + file, "--window-size=" + width + "," + height, "--hide-scrollbars");
        assertThat(file).isNotEmptyFile();
    }

    /** Runs headless Chromium on {@code url}, giving its scripts 10 s of virtual time; its stdout. */
    private String browse(String url, String... args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("ftval-chromium-");
        Path out = Files.createTempFile("ftval-chromium-", ".out");
        Path err = Files.createTempFile("ftval-chromium-", ".err");
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=10000"));
        command.addAll(List.of(args));
        command.add(url);
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly); // its renderer and zygote processes too
                p.destroyForcibly().waitFor();
                throw new AssertionError("chromium did not finish " + url + " in 60 s; its stderr:\n" + Files.readString(err));
            }
            assertThat(p.exitValue()).as("chromium on %s: %s", url, Files.readString(err)).isZero();
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            deleteTree(profile);
        }
    }

    private static Optional<Path> chromium() {
        String given = System.getenv("FTVAL_CHROMIUM");
        if (given != null && !given.isBlank()) {
            if (!Files.isExecutable(Path.of(given))) {
                throw new AssertionError("FTVAL_CHROMIUM=" + given + " is no executable file");
            }
            return Optional.of(Path.of(given));
        }
        return Stream.of(System.getenv("PATH").split(File.pathSeparator))
                .flatMap(dir -> Stream.of("chromium", "chromium-browser").map(name -> Path.of(dir, name)))
                .filter(Files::isExecutable).findFirst();
    }

    private static List<String> matches(String text, String regex) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            out.add(m.groupCount() > 0 ? m.group(1) : m.group());
        }
        return out;
    }

    private static String between(String text, String start, String end) {
        int from = text.indexOf(start);
        assertThat(from).as("%s in the page", start).isNotNegative();
        int to = text.indexOf(end, from);
        return text.substring(from, to < 0 ? text.length() : to);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
