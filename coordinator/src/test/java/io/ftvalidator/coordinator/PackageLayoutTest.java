package io.ftvalidator.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's packages follow the path a validation takes (intake, fanout, aggregation,
 * query) and depend on each other in one direction only: read from the sources' imports.
 */
class PackageLayoutTest {

    private static final Path SOURCES = Path.of("src/main/java/io/ftvalidator/coordinator");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.ftvalidator\\.coordinator\\.([a-z]+)\\.", Pattern.MULTILINE);

    /** Sub-package to the sub-packages it imports (the root package is "" and imports none here). */
    private static Map<String, Set<String>> imports() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path dir = SOURCES.relativize(file.getParent());
                String pkg = dir.toString().replace('/', '.');
                Set<String> deps = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        deps.add(m.group(1));
                    }
                }
            }
        }
        return graph;
    }

    @Test
    void shouldLayPackagesAlongTheValidationsPath() throws IOException {
        assertThat(imports().keySet()).contains("intake", "fanout", "aggregation", "query");
    }

    @Test
    void shouldHaveNoPackageCycle() throws IOException {
        Map<String, Set<String>> graph = imports();
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            findCycle(graph, start, new ArrayList<>(List.of(start)), cycles);
        }
        assertThat(cycles).as("package cycles").isEmpty();
    }

    private static void findCycle(Map<String, Set<String>> graph, String at, List<String> path, List<String> cycles) {
        for (String next : graph.getOrDefault(at, Set.of())) {
            if (next.equals(path.get(0))) {
                cycles.add(String.join(" -> ", path) + " -> " + next);
            } else if (!path.contains(next)) {
                path.add(next);
                findCycle(graph, next, path, cycles);
                path.remove(path.size() - 1);
            }
        }
    }

    @Test
    void shouldKeepTheStagesOffTheWiring() throws IOException {
        // the topology wires the stages; no stage reaches back into it
        graphWithout("topology").forEach((pkg, deps) -> assertThat(deps).as(pkg).doesNotContain("topology"));
    }

    private static Map<String, Set<String>> graphWithout(String pkg) throws IOException {
        Map<String, Set<String>> graph = imports();
        graph.remove(pkg);
        return graph;
    }
}
