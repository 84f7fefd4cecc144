package dynamod.svmgr.runtime;

import dynamod.journal.Journal;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * One thread that polls every pipe svmgr reads from its services: stdout and stderr go through a {@link Spool} into
 * LogLine events, without losing or repeating a byte when svmgr crashes; a readiness pipe (the s6 protocol) reports
 * the service ready at its first newline. The pipes' read ends are also held in init's fd store, so a new svmgr
 * takes them over after a crash without a service ever seeing EPIPE.
 */
final class IoPump implements Runnable {

    enum Kind { STDOUT, STDERR, READY }

    /** A pipe being read: whose, and the name it has in init's fd store ("" when it is not stored). */
    record Pipe(int fd, Kind kind, String service, int pid, String storeName) {}

    /** What is polled: a log pipe with its spool, or a readiness pipe. */
    private record Source(Pipe pipe, Spool spool) {}

    private final Journal journal;
    private final Path spoolDir;
    /** Each service's [logs] settings, as the manager's loop last published them. */
    private volatile java.util.Map<String, dynamod.conf.spec.LogSettings> logSettings = java.util.Map.of();
    private final Consumer<Pipe> onReady;
    private final Consumer<Pipe> onClosed;
    private final ConcurrentLinkedQueue<Pipe> added = new ConcurrentLinkedQueue<>();
    private final int[] wake;
    private final List<Source> sources = new ArrayList<>();
    private final byte[] buffer = new byte[4096];
    private volatile boolean running = true;

    IoPump(Journal journal, Path spoolDir, Consumer<Pipe> onReady, Consumer<Pipe> onClosed) throws LinuxException {
        this.journal = journal;
        this.spoolDir = spoolDir;
        this.onReady = onReady;
        this.onClosed = onClosed;
        this.wake = Posix.pipe();
        Posix.setNonBlocking(wake[0], true);
        Posix.setNonBlocking(wake[1], true);
    }

    /** The loop publishes the settings after every configuration load; spools take them up at a line boundary. */
    void logSettings(java.util.Map<String, dynamod.conf.spec.LogSettings> settings) {
        logSettings = java.util.Map.copyOf(settings);
    }

    void add(Pipe pipe) {
        added.add(pipe);
        try {
            Posix.write(wake[1], new byte[] {1}, 0, 1);
        } catch (LinuxException e) {
            // the pump is gone; nothing to wake
        }
    }

    void stop() {
        running = false;
        add(new Pipe(-1, Kind.READY, "", 0, ""));
    }

    @Override
    public void run() {
        while (running) {
            try {
                turn();
            } catch (Throwable t) {
                Manager.say("log pump: " + t);
            }
        }
    }

    private void turn() throws LinuxException {
        for (Pipe next; (next = added.poll()) != null; ) {
            Pipe p = next;
            if (p.fd() < 0) continue;
            try {
                Posix.setNonBlocking(p.fd(), true);
                sources.add(new Source(p, p.kind() == Kind.READY ? null : Spool.open(spoolDir, p, journal, () -> logSettings.getOrDefault(p.service(), dynamod.conf.spec.LogSettings.DEFAULT))));
            } catch (IOException e) {
                Manager.say("cannot read the " + p.kind() + " pipe of " + p.service() + ": " + e.getMessage());
            }
        }
        int n = sources.size() + 1;
        int[] fds = new int[n];
        short[] events = new short[n], revents = new short[n];
        fds[0] = wake[0];
        events[0] = Posix.POLLIN;
        long now = System.nanoTime(), due = Long.MAX_VALUE;
        for (int i = 1; i < n; i++) {
            Source s = sources.get(i - 1);
            fds[i] = s.pipe().fd();
            events[i] = Posix.POLLIN;
            if (s.spool() != null && s.spool().due() != 0) due = Math.min(due, s.spool().due());
        }
        int timeout = due == Long.MAX_VALUE ? 1000 : (int) Math.max(0, Math.min(1000, (due - now) / 1_000_000 + 1));
        Posix.poll(fds, events, revents, timeout);
        if (revents[0] != 0) while (Posix.read(wake[0], buffer, 0, buffer.length) > 0) { /* drain */ }
        List<Source> done = new ArrayList<>();
        now = System.nanoTime();
        for (int i = 1; i < n; i++) {
            Source s = sources.get(i - 1);
            try {
                if (revents[i] != 0 && !read(s)) done.add(s);
                else if (s.spool() != null && s.spool().due() != 0 && now - s.spool().due() >= 0) s.spool().timeout(now);
            } catch (IOException | RuntimeException e) {
                Manager.say("the " + s.pipe().kind() + " pipe of " + s.pipe().service() + ": " + e);
                done.add(s);
            }
        }
        for (Source s : done) {
            sources.remove(s);
            if (s.spool() != null) s.spool().close(true);
            Posix.closeQuietly(s.pipe().fd());
            onClosed.accept(s.pipe());
        }
    }

    /** Reads what is there; false when the pipe is finished. */
    private boolean read(Source s) throws IOException {
        if (s.spool() != null) return s.spool().pump();
        while (true) {
            int got = Posix.read(s.pipe().fd(), buffer, 0, buffer.length);
            if (got < 0) return true;
            if (got == 0) return false;
            for (int i = 0; i < got; i++) {
                if (buffer[i] == '\n') {
                    onReady.accept(s.pipe());
                    return false; // the protocol is done: one newline
                }
            }
        }
    }
}
