package dynamod.vmtest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The lines a guest wrote on one channel (the serial console, a shell port), each with the host time it arrived, and
 * a way to wait for a line. A pump thread fills it from the channel's stream and closes it at EOF; a closed log
 * answers every wait at once, so a test learns that QEMU exited instead of waiting out its timeout.
 */
public final class LineLog {

    /**
     * One line as the guest wrote it, without its line end and terminal escape sequences (colours, cursor moves).
     *
     * @param sinceStart host time from QEMU's start to the line's end
     */
    public record Line(int index, Duration sinceStart, String text) {
        @Override
        public String toString() {
            return String.format("%8.3f %s", sinceStart.toNanos() / 1e9, text);
        }
    }

    private static final Pattern ESCAPE = Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]|\u001B[()][0-9A-Za-z]");

    private final String name;
    private final long startNanos;
    private final List<Line> lines = new ArrayList<>();
    private boolean closed;

    LineLog(String name, long startNanos) {
        this.name = name;
        this.startNanos = startNanos;
    }

    /** The text of a raw line as a {@link Line} holds it. */
    static String plain(String raw) {
        return ESCAPE.matcher(raw.replace("\r", "")).replaceAll("");
    }

    synchronized void add(String raw, long nanos) {
        lines.add(new Line(lines.size(), Duration.ofNanos(nanos - startNanos), plain(raw)));
        notifyAll();
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** Every line so far. */
    public synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The first line from {@code fromIndex} on that matches, if it has arrived. */
    public synchronized Optional<Line> find(int fromIndex, Predicate<String> matches) {
        for (int i = Math.max(0, fromIndex); i < lines.size(); i++) {
            if (matches.test(lines.get(i).text())) return Optional.of(lines.get(i));
        }
        return Optional.empty();
    }

    /**
     * Waits for the first line from {@code fromIndex} on that matches.
     *
     * @throws TimeoutException when none came within {@code timeout}, or the channel ended without one (the message
     *     says which and shows the last lines)
     */
    public synchronized Line await(int fromIndex, Predicate<String> matches, Duration timeout, String what)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int next = Math.max(0, fromIndex);
        while (true) {
            for (; next < lines.size(); next++) {
                if (matches.test(lines.get(next).text())) return lines.get(next);
            }
            long left = deadline - System.nanoTime();
            if (closed || left <= 0) {
                throw new TimeoutException((closed ? name + " ended" : "no line after " + timeout) + " without " + what
                        + "; its last lines:\n" + tail(20));
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** The last {@code count} lines, one a line, for failure messages. */
    public synchronized String tail(int count) {
        StringBuilder out = new StringBuilder();
        for (Line line : lines.subList(Math.max(0, lines.size() - count), lines.size())) out.append(line).append('\n');
        return out.toString();
    }

    /**
     * Reads {@code in} to its end, a line at a time, into this log and (raw, with arrival times) into
     * {@code transcript}; then closes the log. Returns at EOF or when the stream fails (e.g. closed under it).
     */
    void pump(InputStream in, Writer transcript) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (in; transcript) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != '\n') {
                        line.write(buffer[i]);
                        continue;
                    }
                    emit(line, transcript);
                }
                transcript.flush();
            }
            if (line.size() > 0) emit(line, transcript);
        } catch (IOException e) {
            // The channel went away (QEMU killed, socket closed): what arrived is kept.
        } finally {
            close();
        }
    }

    private void emit(ByteArrayOutputStream line, Writer transcript) throws IOException {
        long now = System.nanoTime();
        String raw = line.toString(StandardCharsets.UTF_8);
        line.reset();
        add(raw, now);
        transcript.write(String.format("%8.3f %s%n", (now - startNanos) / 1e9, raw.replace("\r", "")));
    }
}
