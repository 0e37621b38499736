package io.ftvalidator.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The metric names that the PromQL expressions of deploy/ query: every {@code expr} of the Grafana
 * dashboards (deploy/grafana/*.json) and of the Prometheus rules (deploy/prometheus/alerts.yaml), and
 * the {@code query} of every Prometheus trigger of a KEDA ScaledObject (deploy/k8s/*.yaml).
 */
final class DashboardQueries {

    /** Series that Prometheus makes itself, not the services. */
    static final Set<String> PROMETHEUS_OWN = Set.of("up");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern LABELS = Pattern.compile("\\{[^}]*\\}");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan");

    private DashboardQueries() {}

    /** Every expression under {@code deploy}, by file, with the metric names it queries. */
    static TreeMap<String, Set<String>> metricNames(Path deploy) throws IOException {
        TreeMap<String, Set<String>> out = new TreeMap<>();
        for (Path file : files(deploy.resolve("grafana"), ".json")) {
            collect(new ObjectMapper().readTree(file.toFile()), out.computeIfAbsent(deploy.relativize(file).toString(), k -> new TreeSet<>()));
        }
        for (Path file : files(deploy.resolve("prometheus"), "alerts.yaml")) {
            collect(new ObjectMapper(new YAMLFactory()).readTree(file.toFile()),
                    out.computeIfAbsent(deploy.relativize(file).toString(), k -> new TreeSet<>()));
        }
        for (Path file : files(deploy.resolve("k8s"), ".yaml")) {
            Set<String> names = new TreeSet<>();
            try (var parser = new YAMLFactory().createParser(file.toFile())) {
                for (JsonNode doc : new ObjectMapper(new YAMLFactory()).readValues(parser, JsonNode.class).readAll()) {
                    if (doc != null && "ScaledObject".equals(doc.path("kind").asText())) {
                        doc.path("spec").path("triggers").forEach(t -> {
                            if ("prometheus".equals(t.path("type").asText())) {
                                names.addAll(names(t.path("metadata").path("query").asText()));
                            }
                        });
                    }
                }
            }
            if (!names.isEmpty()) {
                out.put(deploy.relativize(file).toString(), names);
            }
        }
        return out;
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static void collect(JsonNode node, Set<String> names) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    names.addAll(names(e.getValue().asText()));
                } else {
                    collect(e.getValue(), names);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, names));
        }
    }

    /** The metric names of one PromQL expression: identifiers that are no function, keyword, label or Grafana variable. */
    static List<String> names(String expr) {
        String s = STRING.matcher(expr).replaceAll(" ");
        s = LABELS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        s = s.replaceAll("\\$\\{?\\w+\\}?", " ");
        List<String> out = new ArrayList<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String id = m.group();
            boolean function = s.substring(m.end()).stripLeading().startsWith("(");
            boolean number = m.start() > 0 && (Character.isDigit(s.charAt(m.start() - 1)) || s.charAt(m.start() - 1) == '.');
            if (!function && !number && !KEYWORDS.contains(id.toLowerCase())) {
                out.add(id);
            }
        }
        return out;
    }
}
