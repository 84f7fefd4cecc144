package dynamod.conf;

import static dynamod.conf.Configs.assertClean;
import static dynamod.conf.Configs.assertDiagnostics;
import static dynamod.conf.Configs.serviceText;
import static dynamod.conf.Configs.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.conf.spec.LogSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The [logs] table of a service file: defaults, values, and the position of every mistake. */
class LogsRulesTest {

    private static LoadResult load(String toml) {
        return Configs.of().service("web.toml", toml).load();
    }

    private static LogSettings logs(String lines) {
        return spec(serviceText("web", "[logs]\n" + lines)).logs();
    }

    @Test
    void withoutATableTheDefaultsAreJournalds() {
        LogSettings logs = spec(serviceText("web", "")).logs();
        assertEquals(LogSettings.DEFAULT, logs);
        assertEquals(new LogSettings(10_000, Duration.ofSeconds(30), 48 * 1024), logs);
        assertTrue(logs.rateLimited());
        assertEquals(LogSettings.DEFAULT, logs(""), "an empty [logs] is the defaults too");
    }

    @Test
    void everyKeyIsRead() {
        assertEquals(new LogSettings(500, Duration.ofSeconds(5), 8192),
                logs("rate-limit-burst = 500\nrate-limit-interval = \"5s\"\nline-max = \"8K\"\n"));
        assertEquals(1024, logs("line-max = 1024\n").lineMax(), "a bare number is bytes");
        assertEquals(1024 * 1024, logs("line-max = \"1M\"\n").lineMax());
        assertEquals(1536, logs("line-max = \"1.5KiB\"\n").lineMax());
        assertEquals(Duration.ofMillis(1500), logs("rate-limit-interval = 1.5\n").rateLimitInterval());
        assertEquals(1_000_000, logs("rate-limit-burst = 1000000\n").rateLimitBurst());
    }

    @Test
    void zeroTurnsTheRateLimitOff() {
        LogSettings burst = logs("rate-limit-burst = 0\n");
        assertEquals(0, burst.rateLimitBurst());
        assertFalse(burst.rateLimited());
        LogSettings interval = logs("rate-limit-interval = 0\n");
        assertEquals(Duration.ZERO, interval.rateLimitInterval());
        assertFalse(interval.rateLimited());
        assertClean(load(serviceText("web", "[logs]\nrate-limit-burst = 0\n")));
    }

    @Test
    void theOtherKeyOfADisabledLimitIsAWarning() {
        LoadResult a = load(serviceText("web", "[logs]\nrate-limit-burst = 0\nrate-limit-interval = \"10s\"\n"));
        assertDiagnostics(a, "services/web.toml:6:1: warning: [logs] rate-limit-interval is ignored: rate-limit-burst = 0 "
                + "turns the rate limit off");
        assertEquals(1, a.configuration().services().size(), "a warning keeps nothing out");
        assertDiagnostics(load(serviceText("web", "[logs]\nrate-limit-burst = 100\nrate-limit-interval = 0\n")),
                "services/web.toml:5:1: warning: [logs] rate-limit-burst is ignored: rate-limit-interval = 0 turns the rate limit off");
    }

    @Test
    void badValuesAreErrorsAtTheirPosition() {
        assertDiagnostics(load(serviceText("web", "[logs]\nrate-limit-burst = -1\n")),
                "services/web.toml:5:20: error: [logs] rate-limit-burst: -1 is out of range; it must be between 0 and 1000000");
        assertDiagnostics(load(serviceText("web", "[logs]\nrate-limit-burst = \"many\"\n")),
                "services/web.toml:5:20: error: [logs] rate-limit-burst: expected an integer, found a string \"many\"");
        assertDiagnostics(load(serviceText("web", "[logs]\nrate-limit-interval = \"soon\"\n")),
                "services/web.toml:5:23: error: [logs] rate-limit-interval: \"soon\" is not a duration; write e.g. 250ms, 30s, 5m, 1h, 1d, 1m30s or a number of seconds");
        assertDiagnostics(load(serviceText("web", "[logs]\nline-max = \"512\"\n")),
                "services/web.toml:5:12: error: [logs] line-max: 512 is out of range; it must be between 1K and 1M");
        assertDiagnostics(load(serviceText("web", "[logs]\nline-max = \"2M\"\n")),
                "services/web.toml:5:12: error: [logs] line-max: 2M is out of range; it must be between 1K and 1M");
        assertDiagnostics(load(serviceText("web", "[logs]\nline-max = \"max\"\n")),
                "services/web.toml:5:12: error: [logs] line-max: max is out of range; it must be between 1K and 1M");
        assertDiagnostics(load(serviceText("web", "[logs]\nline-max = \"8Q\"\n")),
                "services/web.toml:5:12: error: [logs] line-max: unknown unit \"Q\" in size \"8Q\"; use K, M, G, T, P or E (powers of 1024)");
        assertTrue(load(serviceText("web", "[logs]\nline-max = 8.5\n")).configuration().services().isEmpty(),
                "an error keeps the service out");
    }

    @Test
    void unknownKeysAndMisplacedOnesAreErrors() {
        assertDiagnostics(load(serviceText("web", "[logs]\nline-maxx = \"8K\"\n")),
                "services/web.toml:5:1: error: unknown key \"line-maxx\" in [logs]; did you mean line-max?");
        LoadResult outside = load(serviceText("web", "[shutdown]\nline-max = \"8K\"\n"));
        assertFalse(outside.diagnostics().isEmpty());
        assertTrue(outside.diagnostics().getFirst().headline().contains("[logs]"), outside.diagnostics().getFirst().headline());
        assertDiagnostics(load("logs = 1\n" + serviceText("web", "")),
                "services/web.toml:1:8: error: logs: expected a table [logs], found an integer");
    }

    @Test
    void theRecordChecksItsValues() {
        assertThrows(IllegalArgumentException.class, () -> new LogSettings(-1, Duration.ZERO, 4096));
        assertThrows(IllegalArgumentException.class, () -> new LogSettings(1, Duration.ofSeconds(-1), 4096));
        assertThrows(IllegalArgumentException.class, () -> new LogSettings(1, Duration.ZERO, 1023));
        assertThrows(IllegalArgumentException.class, () -> new LogSettings(1, Duration.ZERO, 1024 * 1024 + 1));
    }
}
