package dynamod.ctl;

import dynamod.ctl.diag.BootEvents;
import dynamod.journal.Boot;
import dynamod.logd.query.JournalLogs;
import dynamod.logd.query.LogQuery.BootSpec;
import dynamod.logd.query.QueryException;
import dynamod.ctl.logs.QuerySyntax;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Which journal (and boot) the diagnostics read, as {@code logs} finds it: {@code -D DIR}, else {@code --state DIR}'s
 * {@code DIR/journal}, else the journal beside a host-mode runtime directory ({@code STATE/run} → {@code STATE/journal}),
 * else {@code $DYNAMOD_STATE/journal}, else the booted system's {@code /var/lib/dynamod/journal}.
 */
final class JournalLocation {

    @Option(names = {"-D", "--directory"}, paramLabel = "DIR", description = "The journal directory.")
    Path directory;

    @Option(names = "--state", paramLabel = "DIR", description = "A host-mode state directory: its journal is DIR/journal.")
    Path state;

    @Option(names = {"-b", "--boot"}, paramLabel = "[±N|ID]",
            description = "One boot: 0 the current (last), -1 the one before, 1 the first, or a boot id.")
    String boot;

    @Option(names = "--utc", description = "Times in UTC.")
    boolean utc;

    Path journal() {
        if (directory != null && state != null) throw new QueryException("give -D/--directory or --state, not both");
        return locate(directory, state, null, System.getenv());
    }

    ZoneId zone() {
        return utc ? ZoneOffset.UTC : ZoneId.systemDefault();
    }

    Optional<BootSpec> bootSpec() {
        return Optional.ofNullable(boot).map(QuerySyntax::parseBoot);
    }

    /** {@code --at TIME} as {@code logs --since} reads it. */
    Instant time(String text) {
        return QuerySyntax.parseTime(text, Instant.now(), zone());
    }

    /** The boot -b names; without -b the boot {@code at} falls in (the last one that began by then), else the current. */
    BootEvents events(Optional<Instant> at) throws IOException {
        Path dir = journal();
        BootSpec spec = bootSpec().orElse(BootSpec.CURRENT);
        if (bootSpec().isEmpty() && at.isPresent()) {
            try (JournalLogs journal = BootEvents.open(dir)) {
                List<Boot> boots = journal.boots();
                Optional<Boot> during = boots.stream().filter(b -> !b.first().isAfter(at.get())).reduce((a, b) -> b);
                if (during.isEmpty()) {
                    throw new QueryException("the journal begins after " + at.get() + (boots.isEmpty() ? " (it has no boots)"
                            : ": its first event is at " + boots.getFirst().first()));
                }
                spec = new BootSpec(Optional.of(dynamod.logd.query.Cursor.Ids.hex(during.get().id())), 0);
            }
        }
        return BootEvents.read(dir, spec);
    }

    /** The journal directory by the rule above; {@code runtimeDir} is the manager's, if one is known. */
    static Path locate(Path directory, Path state, Path runtimeDir, Map<String, String> environment) {
        if (directory != null) return directory;
        if (state != null) return state.resolve("journal");
        Path run = runtimeDir;
        String envRun = environment.get("DYNAMOD_RUNTIME_DIR");
        if (run == null && envRun != null && !envRun.isEmpty()) run = Path.of(envRun);
        if (run != null && run.toAbsolutePath().getParent() != null) {
            Path beside = run.toAbsolutePath().getParent().resolve("journal");
            if (Files.exists(beside.resolve("journal-id"))) return beside;
        }
        String env = environment.get("DYNAMOD_STATE");
        return env != null && !env.isEmpty() ? Path.of(env).resolve("journal") : LogsCommand.BOOTED_JOURNAL;
    }

    /** Says why the journal could not answer (a bad argument, or the journal itself) in one line; returns the exit code, 1. */
    int failed(java.io.PrintWriter err, Exception e) {
        err.println("dynamodctl: " + (e instanceof QueryException ? "" : journal() + ": ") + e.getMessage());
        return 1;
    }
}
