package dynamod.journal;

import dynamod.journal.event.SystemEvent.ManagerStarted;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A writer in its own JVM, for the cross-process tests: appends {@code ManagerStarted(tag, i)} for i = 0, 1, ...
 * (forever when count is -1) and prints "acked i seq" after each append returns.
 */
public final class WriterProcess {

    public static void main(String[] args) throws IOException {
        Path directory = Path.of(args[0]);
        int tag = Integer.parseInt(args[1]);
        long count = Long.parseLong(args[2]);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
        try (Journal journal = Journal.open(JournalOptions.defaults(directory, Origin.TOOL))) {
            out.println("open");
            out.flush();
            for (long i = 0; count < 0 || i < count; i++) {
                long seq = journal.append(new ManagerStarted(tag, (int) i));
                out.println("acked " + i + " " + seq);
                if ((i & 63) == 0) out.flush();
            }
            out.println("done");
            out.flush();
        }
    }

    /** Starts one in a new JVM with the journal's JVM flags. */
    static Process start(Path directory, int tag, long count) throws IOException {
        return start(directory, tag, count, ProcessBuilder.Redirect.PIPE);
    }

    /** Starts one whose acknowledgements go to {@code out} (DISCARD when nobody reads them, or the pipe fills). */
    static Process start(Path directory, int tag, long count, ProcessBuilder.Redirect out) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(dynamod.journal.store.ChronicleRuntime.jvmFlags());
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                WriterProcess.class.getName(), directory.toString(), Integer.toString(tag), Long.toString(count)));
        return new ProcessBuilder(command).redirectOutput(out).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    static void waitFor(Process process) throws InterruptedException {
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("writer process did not finish");
        }
    }
}
