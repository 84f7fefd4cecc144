package dynamod.svmgr.runtime;

import dynamod.journal.Journal;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * One thread that polls every pipe svmgr reads from its services: stdout and stderr become LogLine events (split
 * into lines; an over-long line is split and marked; the rest of a line is flushed at EOF and marked partial), and a
 * readiness pipe (the s6 protocol) reports the service ready at its first newline. The pipes' read ends are also
 * held in init's fd store, so a new svmgr takes them over after a crash without a service ever seeing EPIPE.
 */
final class IoPump implements Runnable {

    static final int MAX_LINE = 8192;

    enum Kind { STDOUT, STDERR, READY }

    /** A pipe being read: whose, and the name it has in init's fd store. */
    record Pipe(int fd, Kind kind, String service, int pid, String storeName) {}

    private final class Reader {
        final Pipe pipe;
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean splitting;

        Reader(Pipe pipe) {
            this.pipe = pipe;
        }
    }

    private final Journal journal;
    private final Consumer<Pipe> onReady;
    private final Consumer<Pipe> onClosed;
    private final ConcurrentLinkedQueue<Pipe> added = new ConcurrentLinkedQueue<>();
    private final int[] wake;
    private final List<Reader> readers = new ArrayList<>();
    private final byte[] buffer = new byte[65536];
    private volatile boolean running = true;

    IoPump(Journal journal, Consumer<Pipe> onReady, Consumer<Pipe> onClosed) throws LinuxException {
        this.journal = journal;
        this.onReady = onReady;
        this.onClosed = onClosed;
        this.wake = Posix.pipe();
        Posix.setNonBlocking(wake[0], true);
        Posix.setNonBlocking(wake[1], true);
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
                System.err.println("dynamod-svmgr: log pump: " + t);
            }
        }
    }

    private void turn() throws LinuxException {
        for (Pipe p; (p = added.poll()) != null; ) {
            if (p.fd() < 0) continue;
            try {
                Posix.setNonBlocking(p.fd(), true);
                readers.add(new Reader(p));
            } catch (LinuxException e) {
                System.err.println("dynamod-svmgr: cannot read the " + p.kind() + " pipe of " + p.service() + ": " + e.getMessage());
            }
        }
        int n = readers.size() + 1;
        int[] fds = new int[n];
        short[] events = new short[n], revents = new short[n];
        fds[0] = wake[0];
        events[0] = Posix.POLLIN;
        for (int i = 1; i < n; i++) {
            fds[i] = readers.get(i - 1).pipe.fd();
            events[i] = Posix.POLLIN;
        }
        if (Posix.poll(fds, events, revents, 1000) <= 0) return;
        if (revents[0] != 0) while (Posix.read(wake[0], buffer, 0, buffer.length) > 0) { /* drain */ }
        List<Reader> done = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            if (revents[i] == 0) continue;
            Reader r = readers.get(i - 1);
            if (!read(r)) done.add(r);
        }
        for (Reader r : done) {
            readers.remove(r);
            flush(r, LogLine.PARTIAL);
            try {
                Posix.close(r.pipe.fd());
            } catch (LinuxException e) {
                // closed already
            }
            onClosed.accept(r.pipe);
        }
    }

    /** Reads what is there; false at EOF (or an error: the pipe is finished either way). */
    private boolean read(Reader r) {
        while (true) {
            int got;
            try {
                got = Posix.read(r.pipe.fd(), buffer, 0, buffer.length);
            } catch (LinuxException e) {
                return false;
            }
            if (got < 0) return true;
            if (got == 0) return false;
            if (r.pipe.kind() == Kind.READY) {
                for (int i = 0; i < got; i++) {
                    if (buffer[i] == '\n') {
                        onReady.accept(r.pipe);
                        return false; // the protocol is done: one newline
                    }
                }
                continue;
            }
            int start = 0;
            for (int i = 0; i < got; i++) {
                if (buffer[i] == '\n') {
                    r.line.write(buffer, start, i - start);
                    flush(r, r.splitting ? LogLine.SPLIT : 0);
                    r.splitting = false;
                    start = i + 1;
                } else if (r.line.size() + (i - start) >= MAX_LINE) {
                    r.line.write(buffer, start, i - start);
                    flush(r, LogLine.SPLIT);
                    r.splitting = true;
                    start = i;
                }
            }
            r.line.write(buffer, start, got - start);
        }
    }

    private void flush(Reader r, int flags) {
        if (r.pipe.kind() == Kind.READY || r.line.size() == 0) return;
        LogStream stream = r.pipe.kind() == Kind.STDOUT ? LogStream.STDOUT : LogStream.STDERR;
        try {
            journal.append(new LogLine(r.pipe.service(), stream, 6, r.pipe.pid(), r.pipe.service(), r.line.toByteArray(), flags));
        } catch (RuntimeException e) {
            System.err.println("dynamod-svmgr: cannot record a log line of " + r.pipe.service() + ": " + e);
        }
        r.line.reset();
    }
}
