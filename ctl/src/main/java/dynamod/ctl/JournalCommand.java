package dynamod.ctl;

import dynamod.journal.text.EventText;
import dynamod.journal.text.Json;
import dynamod.journal.Journal;
import dynamod.journal.JournalListener;
import dynamod.journal.JournalOptions;
import dynamod.journal.JournalReader;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.EventFields;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dynamodctl journal}: looking inside a journal directory directly (history and logs build on it). */
@Command(name = "journal", description = "Inspect a journal directory directly.", subcommands = JournalCommand.Dump.class)
final class JournalCommand {

    /** {@code dynamodctl journal dump --dir DIR}: every event, one per line, in seq order per stream. */
    @Command(name = "dump", description = {
        "Print the events of a journal, one per line: time, stream, seq, origin, type and fields.",
        "With both streams they are merged by monotonic time within a boot."})
    static final class Dump implements Callable<Integer> {

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The journal directory.")
        Path directory;

        @Option(names = "--stream", paramLabel = "events|logs|all", defaultValue = "all",
                description = "Which stream to print (default: ${DEFAULT-VALUE}).")
        String stream;

        @Option(names = "--json", description = "One JSON object per line.")
        boolean json;

        @Option(names = {"-f", "--follow"}, description = "Keep printing events as they are appended.")
        boolean follow;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<Stream> streams = switch (stream) {
                case "events" -> List.of(Stream.EVENTS);
                case "logs" -> List.of(Stream.LOGS);
                case "all" -> List.of(Stream.EVENTS, Stream.LOGS);
                default -> {
                    spec.commandLine().getErr().println("dynamodctl: --stream is events, logs or all, not " + stream);
                    yield null;
                }
            };
            if (streams == null) return 2;
            if (!Files.isDirectory(directory.resolve("events")) && !Files.isDirectory(directory.resolve("logs"))) {
                spec.commandLine().getErr().println("dynamodctl: " + directory + " is not a journal directory (no events/ or logs/)");
                return 1;
            }
            try (Journal journal = Journal.open(JournalOptions.defaults(directory, Origin.CTL).readingOnly())) {
                List<JournalReader> readers = new ArrayList<>();
                for (Stream s : streams) {
                    if (Files.isDirectory(directory.resolve(s.directory()))) readers.add(journal.reader(s, JournalListener.STDERR));
                }
                List<Recorded> batch = new ArrayList<>();
                do {
                    batch.clear();
                    for (JournalReader reader : readers) {
                        for (Optional<Recorded> next = reader.next(); next.isPresent(); next = reader.next()) batch.add(next.get());
                    }
                    batch.sort(Comparator.comparing((Recorded r) -> r.bootId().equals(batch.getFirst().bootId()) ? 0 : 1)
                            .thenComparingLong(Recorded::realtimeNanos).thenComparingLong(Recorded::monotonicNanos));
                    for (Recorded r : batch) out.println(json ? Json.write(toJson(r)) : line(r));
                    out.flush();
                    if (follow && batch.isEmpty()) java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                } while (follow && !Thread.currentThread().isInterrupted());
            }
            return 0;
        }

        static String line(Recorded r) {
            return EventText.line(r);
        }

        static Map<String, Object> toJson(Recorded r) {
            return EventText.toJson(r);
        }
    }
}
