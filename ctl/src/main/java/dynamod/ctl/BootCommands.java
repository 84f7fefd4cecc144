package dynamod.ctl;

import dynamod.ctl.boot.BootAnalyzer;
import dynamod.ctl.boot.BootPlot;
import dynamod.ctl.boot.BootReport;
import dynamod.ctl.boot.BootText;
import dynamod.ctl.boot.ServiceTimeline;
import dynamod.ctl.logs.QuerySyntax;
import dynamod.ctl.out.Style;
import dynamod.journal.Boot;
import dynamod.journal.JournalListener;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.text.Json;
import dynamod.logd.query.Cursor;
import dynamod.logd.query.JournalLogs;
import dynamod.logd.query.QueryException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Boot analysis from the journal, as systemd-analyze does it: {@code blame}, {@code critical-chain}, {@code plot}.
 * They read the journal directly (the boot and the directory are chosen as {@code logs} chooses them) and need no
 * running manager, so past boots and copied journals can be analysed too. See docs/diagnostics.md.
 */
final class BootCommands {

    private BootCommands() {}

    /** Which journal and which boot. */
    static final class BootSelection {
        @Option(names = {"-D", "--directory"}, paramLabel = "DIR",
                description = "The journal directory (default: $DYNAMOD_STATE/journal, else /var/lib/dynamod/journal).")
        Path directory;

        @Option(names = "--state", paramLabel = "DIR", description = "A host-mode state directory: its journal is DIR/journal.")
        Path state;

        @Option(names = {"-b", "--boot"}, arity = "0..1", fallbackValue = "0", paramLabel = "[±N|ID]",
                description = "The boot: 0 the current (last, the default), -1 the one before, 1 the first, or a boot id.")
        String boot;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        /** The boot's events through the analyzer; the boot as the journal lists it. */
        record Analysed(Boot boot, BootReport report) {}

        /**
         * Reads the chosen boot's events into a report. {@code names} are the command's service names, or null if it
         * takes none: a bare {@code -b} before the first one took it as its value, as in {@code logs}, and gives it back.
         */
        Analysed analyse(List<String> names) throws IOException {
            if (directory != null && state != null) throw new QueryException("give -D/--directory or --state, not both");
            Path dir = LogsCommand.journalDirectory(directory, state, System.getenv());
            try (JournalLogs logs = JournalLogs.open(dir)) {
                String bootText = boot;
                if (bootText != null && names != null && !QuerySyntax.looksLikeBoot(bootText)) {
                    names.addFirst(bootText);
                    bootText = "0";
                }
                Boot chosen = logs.resolve(QuerySyntax.parseBoot(bootText));
                long last = chosen.lastSeq(Stream.EVENTS).orElseThrow(() -> new QueryException(
                        "boot " + Cursor.Ids.hex(chosen.id()) + " has no manager events in " + dir + " (only log lines)"));
                BootAnalyzer analyzer = new BootAnalyzer();
                try (JournalReader reader = logs.journal().reader(Stream.EVENTS, JournalListener.STDERR)) {
                    reader.seek(chosen);
                    for (Optional<Recorded> r = reader.next(); r.isPresent() && !analyzer.done(); r = reader.next()) {
                        if (!r.get().bootId().equals(chosen.id())) {
                            if (r.get().seq() > last) break;
                            continue;
                        }
                        analyzer.accept(r.get().monotonicNanos(), r.get().event());
                    }
                }
                return new Analysed(chosen, analyzer.report());
            }
        }

        /** Runs {@code body} on the analysed boot, turning a bad argument or an unreadable journal into exit 1. */
        int run(List<String> names, Body body) {
            PrintWriter err = spec.commandLine().getErr();
            try {
                Analysed a = analyse(names);
                for (String w : a.report().warnings()) err.println("dynamodctl: warning: " + w);
                return body.run(a, spec.commandLine().getOut(), err);
            } catch (QueryException e) {
                err.println("dynamodctl: " + e.getMessage());
                return 1;
            } catch (IOException | UncheckedIOException e) {
                err.println("dynamodctl: cannot read the journal: " + e.getMessage());
                return 1;
            }
        }

        interface Body {
            int run(Analysed analysed, PrintWriter out, PrintWriter err);
        }
    }

    static String title(Boot boot, BootReport report) {
        return "dynamod boot " + Cursor.Ids.hex(boot.id()) + report.mode().map(m -> " (" + m + " mode)").orElse("") + ", "
                + boot.first().toString();
    }

    @Command(name = "blame", mixinStandardHelpOptions = true, description = {
        "List the services by how long they took to start in a boot, slowest first.",
        "The time runs from a service's first start to ready, failed attempts and restart delays included; the services that did "
            + "not become ready follow."})
    static final class Blame implements Callable<Integer> {
        @Mixin BootSelection selection;

        @Option(names = "--json", description = "Print JSON: the boot's summary and every service's timeline, in blame order.")
        boolean json;

        @Override
        public Integer call() {
            return selection.run(null, (a, out, err) -> {
                BootReport report = a.report();
                if (json) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("bootId", Cursor.Ids.hex(a.boot().id()));
                    o.putAll(BootText.jsonSummary(report));
                    List<Object> services = new ArrayList<>();
                    for (ServiceTimeline s : report.blame()) services.add(BootText.json(s));
                    for (ServiceTimeline s : report.notReady()) services.add(BootText.json(s));
                    o.put("services", services);
                    out.println(Json.write(o));
                } else {
                    out.print(BootText.blame(report, Dynamodctl.style(selection.spec)));
                }
                out.flush();
                return 0;
            });
        }
    }

    @Command(name = "critical-chain", mixinStandardHelpOptions = true, description = {
        "Show the chain of waits that decided when a service was ready in a boot.",
        "NAME defaults to the last service to become ready; each step is the dependency it waited for last. @ is when it was "
            + "ready, + how long it took itself."})
    static final class CriticalChain implements Callable<Integer> {
        @Mixin BootSelection selection;

        @Option(names = "--json", description = "Print JSON: one chain per service, each step with what it waited for.")
        boolean json;

        @Parameters(paramLabel = "NAME", arity = "0..*", description = "Services (NAME or NAME.service).")
        List<String> given = new ArrayList<>();

        @Override
        public Integer call() {
            List<String> names = new ArrayList<>(given);
            return selection.run(names, (a, out, err) -> {
                BootReport report = a.report();
                List<String> targets = new ArrayList<>();
                if (names.isEmpty()) {
                    Optional<ServiceTimeline> last = report.lastReady();
                    if (last.isEmpty()) {
                        err.println("dynamodctl: no service became ready in boot " + Cursor.Ids.hex(a.boot().id()));
                        return 1;
                    }
                    targets.add(last.get().name());
                } else {
                    for (String name : names) {
                        String n = name.endsWith(".service") ? name.substring(0, name.length() - ".service".length()) : name;
                        if (report.service(n).isEmpty()) {
                            err.println("dynamodctl: no service " + name + " was started in boot " + Cursor.Ids.hex(a.boot().id()));
                            return 1;
                        }
                        targets.add(n);
                    }
                }
                if (json) {
                    List<Object> chains = new ArrayList<>();
                    for (String t : targets) {
                        Map<String, Object> o = new LinkedHashMap<>();
                        o.put("service", t);
                        o.put("chain", report.criticalChain(t).stream().map(BootText::json).toList());
                        chains.add(o);
                    }
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("bootId", Cursor.Ids.hex(a.boot().id()));
                    o.putAll(BootText.jsonSummary(report));
                    o.put("chains", chains);
                    out.println(Json.write(o));
                } else {
                    Style style = Dynamodctl.style(selection.spec);
                    out.print(BootText.CHAIN_HEADER);
                    out.println();
                    for (String t : targets) out.print(BootText.criticalChain(report, report.criticalChain(t), style));
                    if (report.finishedAt().isEmpty()) out.println(BootText.summary(report));
                }
                out.flush();
                return 0;
            });
        }
    }

    @Command(name = "plot", mixinStandardHelpOptions = true, description = {
        "Write an SVG timeline of a boot to stdout: dynamodctl plot > boot.svg",
        "One row per service (waiting, starting, ready; failures and restarts marked; a line from the dependency it waited for), "
            + "a time axis and the boot's total."})
    static final class Plot implements Callable<Integer> {
        @Mixin BootSelection selection;

        @Override
        public Integer call() {
            return selection.run(null, (a, out, err) -> {
                out.print(BootPlot.svg(a.report(), title(a.boot(), a.report())));
                out.flush();
                return 0;
            });
        }
    }
}
