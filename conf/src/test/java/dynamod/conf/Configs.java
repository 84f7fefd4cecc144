package dynamod.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dynamod.conf.spec.ServiceSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** In-memory configurations for rule tests: files under services/ and supervisors/, loaded without I/O. */
final class Configs {

    private final List<ConfigSource> sources = new ArrayList<>();

    static Configs of() {
        return new Configs();
    }

    Configs service(String file, String toml) {
        sources.add(new ConfigSource(Path.of("services", file), toml.getBytes(StandardCharsets.UTF_8), ConfigSource.Kind.SERVICE));
        return this;
    }

    Configs supervisor(String file, String toml) {
        sources.add(new ConfigSource(Path.of("supervisors", file), toml.getBytes(StandardCharsets.UTF_8), ConfigSource.Kind.SUPERVISOR));
        return this;
    }

    LoadResult load() {
        return ConfigLoader.load(sources);
    }

    /** A service file with a name and exec, plus the given lines (which may open more tables). */
    static String serviceText(String name, String more) {
        return "[service]\nname = \"" + name + "\"\nexec = [\"/bin/true\"]\n" + more;
    }

    /** Loads one service file and returns its spec, failing with the diagnostics if it did not load. */
    static ServiceSpec spec(String toml) {
        LoadResult result = of().service("s.toml", toml).load();
        ServiceSpec spec = result.configuration().services().values().stream().findFirst()
                .orElseThrow(() -> new AssertionError("not loaded: " + result.diagnostics()));
        return spec;
    }

    /** The headlines ({@code FILE:LINE:COL: severity: message}) of all diagnostics. */
    static List<String> headlines(LoadResult result) {
        return result.diagnostics().stream().map(Diagnostic::headline).toList();
    }

    /** Asserts that exactly these headlines were produced, in order. */
    static void assertDiagnostics(LoadResult result, String... expected) {
        assertEquals(List.of(expected), headlines(result));
    }

    /** Asserts that some headline contains all the given fragments. */
    static void assertHas(LoadResult result, String... fragments) {
        for (String headline : headlines(result)) {
            boolean all = true;
            for (String fragment : fragments) all &= headline.contains(fragment);
            if (all) return;
        }
        fail("no diagnostic contains " + List.of(fragments) + " in " + headlines(result));
    }

    static void assertClean(LoadResult result) {
        assertTrue(result.diagnostics().isEmpty(), () -> "unexpected diagnostics: " + headlines(result));
    }
}
