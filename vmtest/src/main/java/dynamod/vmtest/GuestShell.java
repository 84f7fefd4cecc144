package dynamod.vmtest;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A shell in the guest on a virtio-serial port ({@link VmSpec#SHELL_PORT_NAME}), apart from the serial console where
 * the kernel and init write. A plain port rather than a virtio console: a terminal ({@code /dev/hvc0}) echoes, and
 * its output lagged until the next input came. The guest side is a non-interactive {@code sh} on the port; each
 * {@link #run} frames its command's output with numbered begin and end lines, the end line carrying the exit status.
 */
public final class GuestShell implements AutoCloseable {

    /** A command's output lines (stdout and stderr together) and its exit status. */
    public record Result(int exitStatus, List<String> output) {
        /** The output as one string, lines joined with newlines. */
        public String text() {
            return String.join("\n", output);
        }
    }

    private final SocketChannel channel;
    private final OutputStream out;
    private final LineLog log;
    private int commands;

    GuestShell(SocketChannel channel, long startNanos, Path transcript) throws IOException {
        this.channel = channel;
        this.out = Channels.newOutputStream(channel);
        this.log = new LineLog("the shell port", startNanos);
        Writer writer = Files.newBufferedWriter(transcript, StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("vm-shell-pump").start(() -> log.pump(Channels.newInputStream(channel), writer));
    }

    /** What the guest wrote on the port. */
    public LineLog lines() {
        return log;
    }

    /** Writes {@code text} to the guest as it is (e.g. {@code "exit\n"}). */
    public synchronized void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * Runs {@code command} (one or more lines of sh) in the guest shell and waits for it to end.
     *
     * @throws TimeoutException when it did not end within {@code timeout}, or the port closed first
     */
    public synchronized Result run(String command, Duration timeout) throws IOException, TimeoutException, InterruptedException {
        int n = ++commands;
        String begin = "VMTEST-BEGIN-" + n;
        Pattern end = Pattern.compile("VMTEST-END-" + n + " (\\d+)");
        int from = log.lines().size();
        send("echo " + begin + "\n{ " + command + "\n} 2>&1\necho VMTEST-END-" + n + " $?\n");
        long deadline = System.nanoTime() + timeout.toNanos();
        LineLog.Line first = log.await(from, begin::equals, timeout, "the start of: " + command);
        LineLog.Line last = log.await(first.index() + 1, line -> end.matcher(line).matches(),
                Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), "the end of: " + command);
        Matcher status = end.matcher(last.text());
        if (!status.matches()) throw new IllegalStateException("unreachable: " + last);
        List<String> output = log.lines().subList(first.index() + 1, last.index()).stream().map(LineLog.Line::text).toList();
        return new Result(Integer.parseInt(status.group(1)), output);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
