package dynamod.ctl;

import dynamod.ctl.diag.BootEvents;
import dynamod.ctl.diag.EventWords;
import dynamod.ctl.diag.Times;
import dynamod.ctl.logs.QuerySyntax;
import dynamod.journal.Boot;
import dynamod.journal.JournalListener;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.EventTypes;
import dynamod.journal.text.EventText;
import dynamod.journal.text.Json;
import dynamod.logd.query.JournalLogs;
import dynamod.logd.query.QueryException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dynamodctl history}: the event stream (not the log lines: {@code logs} has those), filtered by service,
 * kind, boot and time, one readable line per event or JSON. See docs/diagnostics.md.
 */
@Command(name = "history", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show what happened: the manager's events (state changes, exits, restarts, supervisor decisions, commands).",
            "Every boot by default; -b for one."})
final class HistoryCommand implements Callable<Integer> {

    @Mixin JournalLocation where;

    @Option(names = {"-u", "--unit"}, paramLabel = "NAME",
            description = "Events about this service or supervisor (glob; web or web.service). Repeatable.")
    List<String> units = new ArrayList<>();

    @Option(names = "--kind", paramLabel = "KIND", split = ",",
            description = "Only these kinds (system, service, supervisor, notify, command, journal) or event types (ServiceExited, …). Repeatable.")
    List<String> kinds = new ArrayList<>();

    @Option(names = {"-S", "--since"}, paramLabel = "TIME", description = "Events at or after TIME (2026-12-01 10:00, today, -1h, …).")
    String since;

    @Option(names = {"-U", "--until"}, paramLabel = "TIME", description = "Events at or before TIME.")
    String until;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", description = "The last N events (default: all; 10 with -f).")
    Integer lines;

    @Option(names = {"-f", "--follow"}, description = "Then print events as they are appended (Ctrl-C ends).")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per line: the event as journal dump --json prints it, plus subject, kind and text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            Predicate<Recorded> filter = filter(where.zone());
            if (lines != null && lines < 0) throw new QueryException("-n must be 0 or more: " + lines);
            int tail = lines != null ? lines : follow ? 10 : Integer.MAX_VALUE;
            try (JournalLogs journal = BootEvents.open(where.journal())) {
                Optional<Boot> boot = where.bootSpec().map(journal::resolve);
                try (JournalReader reader = boot.map(b -> BootEvents.reader(journal, b))
                        .orElseGet(() -> journal.journal().reader(Stream.EVENTS, JournalListener.STDERR))) {
                    ArrayDeque<Recorded> last = new ArrayDeque<>();
                    UUID[] shownBoot = {null};
                    for (Optional<Recorded> next = reader.next(); next.isPresent(); next = reader.next()) {
                        Recorded r = next.get();
                        if (boot.isPresent() && !r.bootId().equals(boot.get().id())) break; // the next boot began
                        if (!filter.test(r)) continue;
                        last.addLast(r);
                        if (last.size() > tail) last.removeFirst();
                    }
                    for (Recorded r : last) print(r, out, shownBoot);
                    out.flush();
                    while (follow && !Thread.currentThread().isInterrupted()) {
                        Optional<Recorded> next = reader.poll(Duration.ofMillis(200));
                        if (next.isEmpty()) continue;
                        if (filter.test(next.get())) print(next.get(), out, shownBoot);
                        out.flush();
                    }
                }
            }
            return 0;
        } catch (QueryException | IOException | java.io.UncheckedIOException e) {
            return where.failed(spec.commandLine().getErr(), e);
        }
    }

    private void print(Recorded r, PrintWriter out, UUID[] shownBoot) {
        if (json) {
            Map<String, Object> o = EventText.toJson(r);
            o.put("kind", EventWords.kind(r.event()));
            o.put("subject", EventWords.subject(r.event()));
            o.put("text", EventWords.text(r.event()));
            out.println(Json.write(o));
            return;
        }
        if (shownBoot[0] != null && !shownBoot[0].equals(r.bootId())) out.println("-- Boot " + r.bootId() + " --");
        shownBoot[0] = r.bootId();
        out.println(line(r, where.zone()));
    }

    /** {@code 2026-12-01 13:50:03.120 db: failed (was running): exited 1; temporary: not restarted}. */
    static String line(Recorded r, ZoneId zone) {
        return Times.full(r.realtime(), zone) + " " + EventWords.subject(r.event()) + ": " + EventWords.text(r.event());
    }

    /** The options as one test on an event. */
    Predicate<Recorded> filter(ZoneId zone) {
        Instant now = Instant.now();
        Optional<Instant> from = Optional.ofNullable(since).map(t -> QuerySyntax.parseTime(t, now, zone));
        Optional<Instant> to = Optional.ofNullable(until).map(t -> QuerySyntax.parseTime(t, now, zone));
        if (from.isPresent() && to.isPresent() && from.get().isAfter(to.get())) throw new QueryException("--since is after --until");
        List<Pattern> names = units.stream().map(u -> u.endsWith(".service") ? u.substring(0, u.length() - ".service".length()) : u)
                .map(QuerySyntax::glob).toList();
        Set<String> kindSet = kinds(kinds);
        return r -> {
            if (from.isPresent() && r.realtime().isBefore(from.get())) return false;
            if (to.isPresent() && r.realtime().isAfter(to.get())) return false;
            if (!kindSet.isEmpty() && !kindSet.contains(EventWords.kind(r.event()))
                    && !kindSet.contains(r.event().getClass().getSimpleName().toLowerCase(Locale.ROOT))) return false;
            return names.isEmpty() || EventWords.names(r.event()).stream().anyMatch(n -> names.stream().anyMatch(p -> p.matcher(n).matches()));
        };
    }

    /** Kinds and event type names, lower-cased; an unknown one is an error that lists the known. */
    static Set<String> kinds(List<String> given) {
        Set<String> types = EventTypes.all().stream().map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> result = new java.util.HashSet<>();
        for (String k : given) {
            String lower = k.strip().toLowerCase(Locale.ROOT);
            if (lower.isEmpty()) continue;
            if (lower.equals("log") || lower.equals("logline") || lower.equals("linessuppressed")) {
                throw new QueryException("log lines are not in the history: dynamodctl logs shows them");
            }
            if (!EventWords.KINDS.contains(lower) && !types.contains(lower)) {
                throw new QueryException("unknown kind '" + k + "': one of " + String.join(", ", EventWords.KINDS)
                        + ", or an event type (" + EventTypes.all().stream().map(EventTypes.Type::name).collect(Collectors.joining(", ")) + ")");
            }
            result.add(lower);
        }
        return result;
    }
}
