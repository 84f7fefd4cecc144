package dynamod.ctl.boot;

import dynamod.ctl.boot.ServiceTimeline.Attempt;
import dynamod.ctl.boot.ServiceTimeline.Wait;
import dynamod.ctl.out.Style;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** A {@link BootReport} for people (systemd-analyze's layouts) and as JSON-ready maps (times in microseconds). */
public final class BootText {

    private BootText() {}

    /** A time span as systemd-analyze prints it, to the millisecond: {@code 316ms}, {@code 1.188s}, {@code 1min 20.156s}. */
    public static String span(long nanos) {
        if (nanos < 0) return "-" + span(-nanos);
        long micros = nanos / 1000;
        if (micros == 0) return "0";
        if (micros < 1000) return micros + "us";
        long millis = micros / 1000;
        if (millis < 1000) return millis + "ms";
        StringBuilder b = new StringBuilder();
        long hours = millis / 3_600_000, minutes = millis / 60_000 % 60, ms = millis % 60_000;
        if (hours > 0) b.append(hours).append("h ");
        if (minutes > 0 || hours > 0) b.append(minutes).append("min ");
        if (ms == 0) return b.toString().strip();
        String seconds = String.format(java.util.Locale.ROOT, "%d.%03d", ms / 1000, ms % 1000).replaceAll("0+$", "").replaceAll("\\.$", "");
        return b.append(seconds).append('s').toString();
    }

    /** "Startup finished in …", or what the boot still waits for. */
    public static String summary(BootReport report) {
        if (report.finishedAt().isPresent()) {
            long userspace = report.finishedAt().getAsLong();
            if (report.userspaceAt().isPresent()) {
                long kernel = report.userspaceAt().getAsLong();
                return "Startup finished in " + span(kernel) + " (kernel) + " + span(userspace) + " (userspace) = " + span(kernel + userspace);
            }
            return "Startup finished in " + span(userspace) + " (userspace)";
        }
        List<String> pending = report.pending().stream().map(s -> s.name() + " (" + s.state().name().toLowerCase(java.util.Locale.ROOT) + ")").toList();
        return "Startup not finished after " + span(report.endAt()) + (pending.isEmpty() ? "" : ": waiting for " + String.join(", ", pending));
    }

    /** {@code blame}: ready services slowest first, then those that were not ready, each with what became of it. */
    public static String blame(BootReport report, Style style) {
        List<String[]> rows = new ArrayList<>();
        for (ServiceTimeline s : report.blame()) {
            long restarts = s.failedAttempts();
            rows.add(new String[] {span(s.startup().getAsLong()), s.name(), restarts == 0 ? "" : "(" + restarts + (restarts == 1 ? " failed attempt)" : " failed attempts)")});
        }
        for (ServiceTimeline s : report.notReady()) {
            OptionalLong took = s.firstStartAt().isPresent() ? OptionalLong.of(settledOrEnd(s, report) - s.firstStartAt().getAsLong()) : OptionalLong.empty();
            rows.add(new String[] {took.isPresent() ? span(took.getAsLong()) : "-", s.name(), "(" + notReadyText(s) + ")"});
        }
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            String line = " ".repeat(width - r[0].length() + 1) + r[0] + " " + r[1] + (r[2].isEmpty() ? "" : " " + r[2]);
            b.append(r[2].isEmpty() ? line : style.yellow(line)).append('\n');
        }
        if (report.finishedAt().isEmpty()) b.append(summary(report)).append('\n');
        return b.toString();
    }

    private static long settledOrEnd(ServiceTimeline s, BootReport report) {
        return s.releasedAt().orElse(report.endAt());
    }

    static String notReadyText(ServiceTimeline s) {
        String state = s.state().name().toLowerCase(java.util.Locale.ROOT);
        return switch (s.state()) {
            case WAITING, STARTING, STOPPING -> "still " + state + (s.reason().isEmpty() ? "" : ": " + s.reason());
            default -> state + (s.reason().isEmpty() ? "" : ": " + s.reason()) + s.cause().map(c -> " (" + c + ")").orElse("");
        };
    }

    public static final String CHAIN_HEADER = """
            The time when the service became ready is printed after the "@" character.
            The time the service took to start is printed after the "+" character.
            """;

    /** {@code critical-chain}: from the service down to what it waited for, systemd-analyze's tree. */
    public static String criticalChain(BootReport report, List<ServiceTimeline> chain, Style style) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < chain.size(); i++) {
            ServiceTimeline s = chain.get(i);
            if (i > 0) b.append("  ".repeat(i - 1)).append(style.unicode() ? "└─" : "`-");
            b.append(s.name());
            String times = chainTimes(s, report);
            boolean slow = s.startup().orElse(0) > 0;
            b.append(times.isEmpty() ? "" : " " + (slow ? style.red(times) : times));
            if (i + 1 < chain.size()) b.append(s.waitedFor().map(w -> "  (" + w.relation().word() + " " + w.dependency() + ")").orElse(""));
            b.append('\n');
        }
        return b.toString();
    }

    private static String chainTimes(ServiceTimeline s, BootReport report) {
        if (s.ready()) {
            long took = s.startup().getAsLong();
            return "@" + span(s.readyAt().getAsLong()) + (took > 0 ? " +" + span(took) : "");
        }
        if (s.releasedAt().isPresent()) return "@" + span(s.releasedAt().getAsLong()) + " (" + notReadyText(s) + ")";
        return "(" + notReadyText(s) + ")";
    }

    // ---------------------------------------------------------------- JSON

    public static Map<String, Object> json(ServiceTimeline s) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("service", s.name());
        o.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
        o.put("startableMicros", micros(s.startableAt()));
        o.put("dependenciesSatisfiedMicros", micros(s.dependenciesSatisfiedAt()));
        put(o, "firstStartMicros", s.firstStartAt());
        put(o, "readyMicros", s.readyAt());
        put(o, "startupMicros", s.startup());
        o.put("detector", s.detector().orElse(null));
        o.put("waitedFor", s.waitedFor().map(BootText::json).orElse(null));
        List<Object> predecessors = new ArrayList<>();
        for (var p : s.predecessors()) predecessors.add(Map.of("service", p.name(), "relation", p.relation().word()));
        o.put("orderedAfter", predecessors);
        List<Object> attempts = new ArrayList<>();
        for (Attempt a : s.attempts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("attempt", a.number());
            m.put("startMicros", micros(a.startedAt()));
            put(m, "spawnedMicros", a.spawnedAt());
            put(m, "endMicros", a.endedAt());
            m.put("outcome", a.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            m.put("detail", a.detail());
            attempts.add(m);
        }
        o.put("attempts", attempts);
        if (!s.ready()) o.put("why", notReadyText(s));
        return o;
    }

    static Map<String, Object> json(Wait w) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("service", w.dependency());
        o.put("relation", w.relation().word());
        o.put("releasedMicros", micros(w.releasedAt()));
        o.put("ready", w.ready());
        return o;
    }

    /** The boot as a whole: its finish (or pending services) and mode. */
    public static Map<String, Object> jsonSummary(BootReport report) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("mode", report.mode().orElse(null));
        put(o, "kernelMicros", report.userspaceAt());
        put(o, "finishedMicros", report.finishedAt());
        o.put("endMicros", micros(report.endAt()));
        o.put("pending", report.pending().stream().map(ServiceTimeline::name).toList());
        o.put("dependenciesKnown", report.dependenciesKnown());
        if (!report.warnings().isEmpty()) o.put("warnings", report.warnings());
        return o;
    }

    private static void put(Map<String, Object> o, String key, OptionalLong nanos) {
        o.put(key, nanos.isPresent() ? micros(nanos.getAsLong()) : null);
    }

    static long micros(long nanos) {
        return Math.floorDiv(nanos, 1000L);
    }
}
