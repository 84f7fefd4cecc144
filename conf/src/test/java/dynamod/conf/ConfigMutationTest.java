package dynamod.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dynamod.conf.spec.ServiceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Mutates the example system 10,000 times (one or two files of a random part of it) — deleted, repeated and swapped lines, values of other types, garbage
 * bytes, huge values, truncation, typos in keys, new references — and checks that the loader only ever answers
 * with diagnostics: no exception, no internal error, every position inside the files, and a loaded
 * configuration that is consistent with the diagnostics. The seed is printed on failure; set
 * {@code -Ddynamod.mutation.seed=N} to replay one run.
 */
class ConfigMutationTest {

    private static final int ROUNDS = 10_000;

    private static final String[] OTHER_VALUES = {
        "42", "\"text\"", "true", "[1, 2]", "{ a = 1 }", "1.5", "1979-05-27", "\"\"", "[]", "-7", "\"-1s\"", "\"max\"",
        "99999999999999999999", "9223372036854775807", "-9223372036854775808", "nan", "inf", "\"\\u0000\"",
        "[\"\", \"\"]", "[[1], [2]]", "\"" + "x".repeat(5000) + "\"", "\"1m30s\"", "\"99999999999999999999999999d\"",
        "\"50%\"", "\"SIGRTMIN+40\"", "\"../..\"", "\"a/b\"", "0", "\"0\"", "'''\nmulti\nline'''"
    };

    @Test
    void mutatedConfigurationsOnlyEverProduceDiagnostics() throws IOException {
        long seed = Long.getLong("dynamod.mutation.seed", 20261201L);
        List<ConfigSource> originals = exampleSources();
        Random random = new Random(seed);
        int withErrors = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // A random part of the system (half of it, so 10,000 rounds stay quick), with one or two files mutated.
            List<ConfigSource> sources = new ArrayList<>(originals);
            java.util.Collections.shuffle(sources, random);
            sources = new ArrayList<>(sources.subList(0, 3 + random.nextInt(4)));
            int mutations = 1 + random.nextInt(2);
            StringBuilder what = new StringBuilder();
            for (int m = 0; m < mutations; m++) {
                int victim = random.nextInt(sources.size());
                ConfigSource source = sources.get(victim);
                Mutated mutated = mutate(source.bytes(), random);
                what.append(mutated.description()).append(" in ").append(source.path()).append("; ");
                sources.set(victim, new ConfigSource(source.path(), mutated.bytes(), source.kind()));
            }
            // Every tenth round checks one mutated file on its own, as dynamodctl check FILE does.
            if (round % 10 == 0) {
                ConfigSource one = sources.get(random.nextInt(sources.size()));
                sources = List.of(new ConfigSource(one.path(), one.bytes(), ConfigSource.Kind.BY_CONTENT));
            }
            try {
                LoadResult result = ConfigLoader.load(sources);
                check(result, sources);
                if (result.hasErrors()) withErrors++;
            } catch (Throwable t) {
                fail("seed " + seed + ", round " + round + ": " + what + "\n" + t, t);
            }
        }
        // The mutator must actually break things, or this test proves nothing.
        assertTrue(withErrors > ROUNDS / 2, "only " + withErrors + " of " + ROUNDS + " mutated configurations had errors");
    }

    private static void check(LoadResult result, List<ConfigSource> sources) {
        Set<Path> files = new HashSet<>();
        for (ConfigSource s : sources) files.add(s.path());
        for (Diagnostic d : result.diagnostics()) {
            assertFalse(d.message().isBlank(), "empty message");
            assertFalse(d.message().contains("gave up"), "internal parser failure: " + d);
            assertTrue(files.contains(d.position().file()), "position outside the sources: " + d);
            assertFalse(d.message().startsWith("internal error"), "a bug: " + d);
            List<String> lines = result.sourceLines().get(d.position().file());
            int lineCount = lines == null ? 0 : lines.size();
            assertTrue(d.position().line() <= lineCount + 1, "line past the end: " + d);
            if (d.position().line() >= 1 && d.position().line() <= lineCount) {
                String line = lines.get(d.position().line() - 1);
                assertTrue(d.position().column() <= line.codePointCount(0, line.length()) + 1, "column past the end: " + d);
            }
            for (Diagnostic.Note n : d.notes()) assertTrue(files.contains(n.position().file()), "note outside: " + d);
        }
        Configuration configuration = result.configuration();
        if (result.partial() || (configuration.services().isEmpty() && configuration.supervisors().size() == 1)) return;
        for (ServiceSpec service : configuration.services().values()) {
            assertTrue(configuration.supervisors().containsKey(service.supervisor()),
                    service.name() + " has an absent supervisor " + service.supervisor());
            for (String required : service.dependencies().requires()) {
                assertTrue(configuration.services().containsKey(required) || result.rejectedServices().contains(required),
                        service.name() + " requires " + required + ", neither loaded nor rejected");
            }
            assertFalse(result.rejectedServices().contains(service.name()), service.name() + " is loaded and rejected");
        }
        for (var supervisor : configuration.supervisors().values()) {
            supervisor.parent().ifPresent(p -> assertTrue(configuration.supervisors().containsKey(p),
                    supervisor.name() + " has an absent parent " + p));
        }
        assertEquals(configuration.services().size(), configuration.startOrder().waves().stream().mapToInt(List::size).sum(),
                "a loaded configuration has no cycles, so every service has a wave");
        if (!result.hasErrors()) assertTrue(result.rejectedServices().isEmpty() || result.warningCount() > 0);
    }

    record Mutated(byte[] bytes, String description) {}

    static Mutated mutate(byte[] original, Random random) {
        String text = new String(original, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(text.lines().toList());
        int kind = random.nextInt(12);
        int line = lines.isEmpty() ? 0 : random.nextInt(lines.size());
        switch (kind) {
            case 0 -> {
                if (!lines.isEmpty()) lines.remove(line);
                return lines(lines, "deleted line " + (line + 1));
            }
            case 1 -> {
                if (!lines.isEmpty()) lines.add(line, lines.get(line));
                return lines(lines, "repeated line " + (line + 1));
            }
            case 2 -> {
                if (lines.size() > 1) {
                    int other = random.nextInt(lines.size());
                    String a = lines.get(line);
                    lines.set(line, lines.get(other));
                    lines.set(other, a);
                }
                return lines(lines, "swapped lines");
            }
            case 3, 4 -> {
                int eq = lines.isEmpty() ? -1 : lines.get(line).indexOf('=');
                if (eq < 0) return lines(lines, "no value to replace");
                String value = OTHER_VALUES[random.nextInt(OTHER_VALUES.length)];
                lines.set(line, lines.get(line).substring(0, eq + 1) + " " + value);
                return lines(lines, "value on line " + (line + 1) + " := " + value.substring(0, Math.min(20, value.length())));
            }
            case 5 -> {
                byte[] garbage = new byte[1 + random.nextInt(16)];
                random.nextBytes(garbage);
                int at = random.nextInt(original.length + 1);
                byte[] out = new byte[original.length + garbage.length];
                System.arraycopy(original, 0, out, 0, at);
                System.arraycopy(garbage, 0, out, at, garbage.length);
                System.arraycopy(original, at, out, at + garbage.length, original.length - at);
                return new Mutated(out, garbage.length + " garbage bytes at " + at);
            }
            case 6 -> {
                int at = random.nextInt(original.length + 1);
                return new Mutated(java.util.Arrays.copyOf(original, at), "truncated at " + at);
            }
            case 7 -> {
                String huge = switch (random.nextInt(4)) {
                    case 0 -> "x = [" + "1, ".repeat(2_000) + "]";
                    case 1 -> "y = \"" + "é".repeat(10_000) + "\"";
                    case 2 -> "z = " + "[".repeat(5_000);
                    default -> "name = \"" + "n".repeat(10_000) + "\"";
                };
                lines.add(line, huge);
                return lines(lines, "huge value at line " + (line + 1));
            }
            case 8 -> {
                if (lines.isEmpty() || lines.get(line).isEmpty()) return lines(lines, "nothing to misspell");
                String l = lines.get(line);
                int at = random.nextInt(l.length());
                lines.set(line, l.substring(0, at) + (char) ('a' + random.nextInt(26)) + l.substring(Math.min(l.length(), at + 1)));
                return lines(lines, "changed a character on line " + (line + 1));
            }
            case 9 -> {
                String[] names = {"setup", "db", "cache", "web", "api", "clock", "banner", "legacy", "ghost", "root", "storage"};
                String[] relations = {"requires", "wants", "after", "before"};
                lines.add("[dependencies]");
                lines.add(relations[random.nextInt(4)] + " = [\"" + names[random.nextInt(names.length)] + "\"]");
                return lines(lines, "added a dependency");
            }
            case 11 -> {
                // The shapes TOML allows where a table is expected: a value, an array of tables, a dotted key.
                String[] tables = {"service", "restart", "readiness", "supervisor", "namespace", "cgroup", "dependencies", "shutdown"};
                String table = tables[random.nextInt(tables.length)];
                String[] shapes = {table + " = \"x\"", table + " = [1, 2]", "[[" + table + "]]", table + ".name = \"x\"",
                    table + " = { name = 1 }", "[" + table + ".user]", "[" + table + ".name]"};
                String shape = shapes[random.nextInt(shapes.length)];
                int header = lines.indexOf("[" + table + "]");
                if (header >= 0 && random.nextBoolean()) lines.set(header, shape);
                else lines.add(random.nextBoolean() ? 0 : lines.size(), shape);
                return lines(lines, "table " + table + " as " + shape);
            }
            default -> {
                String[] headers = {"[service]", "[restart]", "[readiness]", "[supervisor]", "[[namespace.bind-mounts]]",
                    "[service.user]", "[cgroup]", "[shutdown]", "[namespace]", "[dependencies]", "[bogus]"};
                lines.add(line, headers[random.nextInt(headers.length)]);
                return lines(lines, "inserted a table header");
            }
        }
    }

    private static Mutated lines(List<String> lines, String description) {
        return new Mutated(String.join("\n", lines).getBytes(StandardCharsets.UTF_8), description);
    }

    static List<ConfigSource> exampleSources() throws IOException {
        Path examples = Examples.directory();
        List<ConfigSource> sources = new ArrayList<>();
        for (String dir : List.of("services", "supervisors")) {
            try (Stream<Path> files = Files.list(examples.resolve(dir))) {
                for (Path file : files.sorted().toList()) {
                    sources.add(new ConfigSource(file, Files.readAllBytes(file),
                            dir.equals("services") ? ConfigSource.Kind.SERVICE : ConfigSource.Kind.SUPERVISOR));
                }
            }
        }
        return sources;
    }
}
