package dynamod.logd;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.Origin;
import dynamod.logd.index.IndexedLogs;
import dynamod.logd.index.Indexer;
import dynamod.logd.query.JournalLogs;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code dynamod-logd --state DIR [--syslog-socket PATH] [--native-socket PATH] [--stdout-socket PATH] [--kmsg PATH]}: journals what
 * arrives on the log sockets ({@link LogSockets}) into {@code DIR/journal} until SIGTERM or SIGINT, then exits 0 (at
 * once when the stop comes before it is up, {@link StopRequest}). The
 * sockets default to {@code DIR/run/log.sock}, {@code DIR/run/journal.sock} and {@code DIR/run/stdout.sock}; in PID-1
 * mode they will be {@code /dev/log}, {@code /run/systemd/journal/socket} and {@code /run/systemd/journal/stdout}. It also follows the journal's log stream into
 * indexes under {@code DIR/logd/index} ({@link Indexer}) and answers queries on {@code DIR/run/logd.sock} ({@link QueryServer}).
 * With {@code --kmsg PATH} (off unless given; PID-1 mode passes {@code /dev/kmsg}) it journals the kernel's log too
 * ({@link KernelLog}).
 */
public final class Main {

    private Main() {}

    /** {@code kmsg}: the kernel's log device, or null: not read (the default; PID-1 mode passes /dev/kmsg). */
    record Settings(Path state, Path syslogSocket, Path nativeSocket, Path stdoutSocket, Path kmsg, Optional<UUID> bootId) {}

    static final String USAGE = "usage: dynamod-logd --state DIR [--syslog-socket PATH] [--native-socket PATH] [--stdout-socket PATH] [--kmsg PATH] [--boot-id UUID]";

    public static void main(String[] args) {
        Settings settings;
        try {
            settings = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("dynamod-logd: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        int code;
        try {
            code = run(settings);
        } catch (Throwable t) {
            System.err.println("dynamod-logd: cannot run: " + t);
            t.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    static int run(Settings settings) throws Exception {
        StopRequest stop = StopRequest.onSignals(() -> {
            System.err.println("dynamod-logd: stopped before it was up: exiting at once");
            System.err.flush();
            Runtime.getRuntime().halt(0); // not exit: no shutdown hook may wait for what the main thread is opening
        });
        try (Journal journal = Journal.open(journalOptions(settings));
                LogSockets sockets = LogSockets.start(journal, settings.syslogSocket(), settings.nativeSocket(), settings.stdoutSocket());
                Indexer indexer = Indexer.open(journal, Indexer.directory(settings.state()));
                QueryServer queries = QueryServer.start(settings.state().resolve("run").resolve("logd.sock"),
                        new IndexedLogs(JournalLogs.over(journal), indexer.index(), indexer::through));
                KernelLog kernel = settings.kmsg() == null ? null
                        : KernelLog.start(journal, settings.kmsg(), indexer.index(), indexer.through())) {
            indexer.start();
            System.err.println("dynamod-logd: listening on " + settings.syslogSocket() + " (syslog), " + settings.nativeSocket()
                    + " (native journal protocol) and " + settings.stdoutSocket() + " (stdout streams)");
            stop.up();
            stop.await();
            System.err.println("dynamod-logd: stopping; syslog " + sockets.syslogCounters() + ", native " + sockets.nativeCounters()
                    + ", stdout " + sockets.stdoutCounters() + (kernel != null ? ", kernel " + kernel.counters() : ""));
        }
        return 0;
    }

    static Settings parse(String[] args) {
        Path state = null, syslog = null, nativeSocket = null, stdout = null, kmsg = null;
        Optional<UUID> boot = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            if (a.equals("--boot-id")) {
                try {
                    boot = Optional.of(UUID.fromString(args[++i]));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--boot-id " + args[i] + ": not a UUID");
                }
                continue;
            }
            Path v = Path.of(args[++i]).toAbsolutePath();
            switch (a) {
                case "--state" -> state = v;
                case "--syslog-socket" -> syslog = v;
                case "--native-socket" -> nativeSocket = v;
                case "--stdout-socket" -> stdout = v;
                case "--kmsg" -> kmsg = v;
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (state == null) throw new IllegalArgumentException("--state is required");
        Path run = state.resolve("run");
        return new Settings(state, syslog != null ? syslog : run.resolve("log.sock"),
                nativeSocket != null ? nativeSocket : run.resolve("journal.sock"), stdout != null ? stdout : run.resolve("stdout.sock"), kmsg, boot);
    }

    /**
     * The journal stamps logd's lines with the boot svmgr runs ({@code --boot-id}, which svmgr passes to its built-in
     * logd) so that a boot's syslog, journal-protocol and kernel lines are in the same boot as its services' output;
     * without it, the kernel's boot id.
     */
    static JournalOptions journalOptions(Settings settings) {
        JournalOptions options = JournalOptions.defaults(settings.state().resolve("journal"), Origin.LOGD);
        return settings.bootId().map(options::withBootId).orElse(options);
    }
}
