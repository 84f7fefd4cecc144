package dynamod.logd;

import dynamod.journal.Journal;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.linux.Errno;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.linux.UnixSockets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The log sockets: the datagram ones, syslog ({@code RUN/log.sock}; {@code /dev/log} in PID-1 mode) and the native
 * journal protocol ({@code RUN/journal.sock}; {@code /run/systemd/journal/socket} in PID-1 mode), and journald's stdout
 * stream socket ({@code RUN/stdout.sock}; {@code /run/systemd/journal/stdout} in PID-1 mode). The datagram sockets are
 * bound with SO_PASSCRED, mode 0666 (anyone may log; the kernel's credentials say who did), and read by one platform
 * thread each: receive, parse, {@code journal.append(LogLine)} with stream SYSLOG or NATIVE. The line's service is the
 * sender's {@code DYNAMOD_SERVICE} ({@link Senders}), its pid the one the message names, else the sender's.
 *
 * <p>The stream socket (mode 0666) has one platform thread too: it accepts and polls every connection (at most
 * {@link #DEFAULT_MAX_STREAMS}; beyond that a connection is closed at once, counted and warned about), reads each
 * header and cuts the rest into lines ({@link StdoutStream}), journaled with stream STDOUT, the header's identifier
 * (else the peer's command name), the peer's pid (SO_PEERCRED, at connect) and its service.
 *
 * <p>Malformed datagrams never stop a listener: each is counted, and one warning line (service "", identifier
 * {@code dynamod-logd}, priority 4, on the socket's stream) is journaled per burst: the first one says what was wrong,
 * the ones within {@code warnInterval} after it are only counted, and the next warning says how many they were.
 */
public final class LogSockets implements AutoCloseable {

    /**
     * The largest datagram read whole. libsystemd raises its SO_SNDBUF to 8 MiB (as root it can), so a 1 MiB entry
     * comes as one datagram, not in a memfd; each datagram is read into a buffer of its own size (SIOCINQ).
     */
    public static final int MAX_DATAGRAM = 8 * 1024 * 1024 + 64 * 1024;
    /** The largest entry read from a memfd (libsystemd's way for entries too big for a datagram). */
    public static final int MAX_MEMFD = 32 * 1024 * 1024;
    /** Messages longer than this are journaled in pieces, each marked SPLIT (as the capture of stdout does). */
    public static final int MAX_LINE = 64 * 1024;
    public static final Duration DEFAULT_WARN_INTERVAL = Duration.ofSeconds(10);
    /** Connections to the stdout stream socket served at once; more are refused (journald allows 65,536). */
    public static final int DEFAULT_MAX_STREAMS = 256;
    /** The longest line of a stdout stream, in bytes, before it is cut (journald's LineMax= default; svmgr's line-max). */
    public static final int STREAM_LINE_MAX = 48 * 1024;
    /** A partial line of a stdout stream goes out (PARTIAL) after this long without its newline, as the capture's. */
    public static final long STREAM_PARTIAL_TIMEOUT_NANOS = 1_000_000_000L;
    public static final String IDENTIFIER = "dynamod-logd";

    private static final int REQUIRED_SEALS = Posix.F_SEAL_SHRINK | Posix.F_SEAL_GROW | Posix.F_SEAL_WRITE;

    /**
     * What a socket has seen: datagrams received (memfds among them), entries journaled, malformed datagrams, ignored ones
     * (empty, or native entries without MESSAGE), and the warnings journaled about the malformed ones.
     */
    public record Counters(long received, long memfds, long journaled, long malformed, long ignored, long warnings) {}

    /**
     * What the stdout stream socket has seen: connections accepted and refused (over the limit), open ones now, bytes
     * read, lines journaled, malformed streams (a bad header: the connection is dropped), warnings journaled.
     */
    public record StreamCounters(long accepted, long refused, long open, long bytes, long journaled, long malformed, long warnings) {}

    private final Journal journal;
    private final Senders senders = new Senders();
    private final Duration warnInterval;
    private final List<Listener> listeners = new ArrayList<>();
    private final Listener syslog, nativeProtocol;
    private final StreamListener stdout;

    private LogSockets(Journal journal, Path syslogSocket, Path nativeSocket, Path stdoutSocket, Duration warnInterval, int maxStreams)
            throws IOException {
        this.journal = journal;
        this.warnInterval = warnInterval;
        try {
            syslog = syslogSocket == null ? null : add(new SyslogListener(bind(syslogSocket), syslogSocket));
            nativeProtocol = nativeSocket == null ? null : add(new NativeListener(bind(nativeSocket), nativeSocket));
            stdout = stdoutSocket == null ? null : (StreamListener) add(new StreamListener(listen(stdoutSocket), stdoutSocket, maxStreams));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Binds the two datagram sockets (a null path: that one is not bound) and starts their threads. */
    public static LogSockets start(Journal journal, Path syslogSocket, Path nativeSocket) throws IOException {
        return start(journal, syslogSocket, nativeSocket, null, DEFAULT_WARN_INTERVAL, DEFAULT_MAX_STREAMS);
    }

    public static LogSockets start(Journal journal, Path syslogSocket, Path nativeSocket, Duration warnInterval)
            throws IOException {
        return start(journal, syslogSocket, nativeSocket, null, warnInterval, DEFAULT_MAX_STREAMS);
    }

    /** Binds the three sockets (a null path: that one is not bound) and starts their threads. */
    public static LogSockets start(Journal journal, Path syslogSocket, Path nativeSocket, Path stdoutSocket) throws IOException {
        return start(journal, syslogSocket, nativeSocket, stdoutSocket, DEFAULT_WARN_INTERVAL, DEFAULT_MAX_STREAMS);
    }

    public static LogSockets start(Journal journal, Path syslogSocket, Path nativeSocket, Path stdoutSocket, Duration warnInterval,
            int maxStreams) throws IOException {
        if (maxStreams < 1) throw new IllegalArgumentException("maxStreams must be at least 1: " + maxStreams);
        LogSockets sockets = new LogSockets(journal, syslogSocket, nativeSocket, stdoutSocket, warnInterval, maxStreams);
        for (Listener l : sockets.listeners) l.thread.start();
        return sockets;
    }

    public Counters syslogCounters() {
        return syslog == null ? new Counters(0, 0, 0, 0, 0, 0) : syslog.counters();
    }

    public Counters nativeCounters() {
        return nativeProtocol == null ? new Counters(0, 0, 0, 0, 0, 0) : nativeProtocol.counters();
    }

    public StreamCounters stdoutCounters() {
        return stdout == null ? new StreamCounters(0, 0, 0, 0, 0, 0, 0) : stdout.streamCounters();
    }

    /** Stops the threads, closes the sockets and removes their files. */
    @Override
    public void close() {
        for (Listener l : listeners) l.stop();
    }

    private Listener add(Listener l) {
        listeners.add(l);
        return l;
    }

    private static int bind(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        int fd = UnixSockets.bindDatagram(path, true);
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException | RuntimeException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
        return fd;
    }

    private static int listen(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        int fd = UnixSockets.listenStream(path, 128, 0666);
        try {
            Posix.setNonBlocking(fd, true); // poll says when; a connection gone before accept must not block the thread
        } catch (LinuxException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
        return fd;
    }

    private abstract class Listener {
        final int fd;
        final Path path;
        final LogStream stream;
        final Thread thread;
        final AtomicLong received = new AtomicLong(), memfds = new AtomicLong(), journaled = new AtomicLong(), malformed = new AtomicLong(),
                ignored = new AtomicLong(), warnings = new AtomicLong();
        volatile boolean stopping;
        // the burst: owned by the listener's thread
        long lastWarning;
        boolean warned;
        long quiet;
        int journalFailures;

        Listener(int fd, Path path, LogStream stream, String name) {
            this.fd = fd;
            this.path = path;
            this.stream = stream;
            this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
        }

        Counters counters() {
            return new Counters(received.get(), memfds.get(), journaled.get(), malformed.get(), ignored.get(), warnings.get());
        }

        abstract void handle(UnixSockets.Datagram d);

        /** What a bad input is called in the warning. */
        String unit() {
            return "datagram";
        }

        void run() {
            while (!stopping) {
                UnixSockets.Datagram d;
                try {
                    // wait, then read the next datagram into a buffer of its size (shutdown makes the socket readable)
                    Posix.poll(new int[] {fd}, new short[] {Posix.POLLIN}, new short[1], -1);
                    if (stopping) return;
                    int size = UnixSockets.nextDatagramSize(fd);
                    d = UnixSockets.receive(fd, Math.clamp(size, 1, MAX_DATAGRAM), false);
                } catch (LinuxException e) {
                    if (stopping || e.errno() == Errno.EBADF) return;
                    malformed(-1, "receive failed: " + e.getMessage());
                    continue;
                }
                if (d == null) continue;
                try {
                    if (stopping) return;
                    received.incrementAndGet();
                    handle(d);
                } catch (Throwable t) { // a bug in a parser must not end the listener
                    malformed(d.pid(), "could not be handled: " + t);
                } finally {
                    for (int f : d.fds()) Posix.closeQuietly(f);
                }
            }
        }

        void stop() {
            stopping = true;
            try {
                UnixSockets.shutdown(fd); // a blocked recvmsg returns
            } catch (LinuxException ignored) {
                // closing wakes nothing, but the join below is bounded
            }
            if (thread.isAlive() && thread != Thread.currentThread()) {
                try {
                    thread.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Posix.closeQuietly(fd);
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a file left behind is removed by the next bind
            }
        }

        /** Journals a message, in pieces of at most MAX_LINE bytes (each marked SPLIT) when longer. */
        void journal(String service, int priority, int pid, String identifier, byte[] message) {
            try {
                if (message.length <= MAX_LINE) {
                    journal.append(new LogLine(service, stream, priority, pid, identifier, message, 0));
                } else {
                    for (int off = 0; off < message.length; off += MAX_LINE) {
                        byte[] piece = Arrays.copyOfRange(message, off, Math.min(message.length, off + MAX_LINE));
                        journal.append(new LogLine(service, stream, priority, pid, identifier, piece, LogLine.SPLIT));
                    }
                }
                journaled.incrementAndGet();
            } catch (RuntimeException e) {
                if (journalFailures++ < 10) System.err.println("dynamod-logd: " + path.getFileName() + ": cannot journal: " + e);
            }
        }

        void malformed(int pid, String reason) {
            malformed.incrementAndGet();
            warn(path.getFileName() + ": malformed " + unit() + (pid > 0 ? " from pid " + pid : "") + ": " + reason);
        }

        /** Journals a warning, unless one went out less than warnInterval ago: then it is only counted. */
        void warn(String what) {
            long now = System.nanoTime();
            if (warned && now - lastWarning < warnInterval.toNanos()) {
                quiet++;
                return;
            }
            String text = what
                    + (quiet > 0 ? " (" + quiet + " more since the last warning)" : "")
                    + "; further ones in the next " + warnInterval.toSeconds() + " s are only counted";
            warned = true;
            lastWarning = now;
            quiet = 0;
            warnings.incrementAndGet();
            try {
                journal.append(new LogLine("", stream, 4, Posix.getpid(), IDENTIFIER, text.getBytes(StandardCharsets.UTF_8), 0));
            } catch (RuntimeException e) {
                System.err.println("dynamod-logd: " + text);
            }
        }

        String identifier(String given, int senderPid) {
            return given.isEmpty() ? senders.comm(senderPid) : given;
        }
    }

    private final class SyslogListener extends Listener {
        SyslogListener(int fd, Path path) {
            super(fd, path, LogStream.SYSLOG, "logd-syslog");
        }

        @Override
        void handle(UnixSockets.Datagram d) {
            if (d.fds().length > 0) {
                malformed(d.pid(), "file descriptors sent to the syslog socket (closed)");
                return;
            }
            if (d.data().length == 0) {
                ignored.incrementAndGet();
                return;
            }
            SyslogMessage m = SyslogMessage.parse(d.data());
            // Like journald, a malformed one is kept (whole, at user.info): the text may be all someone has
            journal(senders.service(d.pid()), m.priority(), m.pid() > 0 ? m.pid() : d.pid(), identifier(m.identifier(), d.pid()),
                    m.message());
            if (d.truncated()) {
                malformed(d.pid(), "longer than " + MAX_DATAGRAM + " bytes: journaled cut short");
            } else if (!m.wellFormed()) {
                malformed(d.pid(), m.format() == SyslogMessage.Format.NO_PRI
                        ? "no valid <PRI> (kept whole, as user.info)" : "RFC 5424 header does not parse (kept as RFC 3164)");
            }
        }
    }

    private final class NativeListener extends Listener {
        NativeListener(int fd, Path path) {
            super(fd, path, LogStream.NATIVE, "logd-native");
        }

        @Override
        void handle(UnixSockets.Datagram d) {
            byte[] data = d.data();
            if (d.truncated()) {
                malformed(d.pid(), "longer than " + MAX_DATAGRAM + " bytes (dropped)");
                return;
            }
            if (d.fds().length > 0) {
                if (d.fds().length != 1 || data.length != 0) {
                    malformed(d.pid(), d.fds().length + " file descriptor(s) with " + data.length
                            + " bytes of data; expected one memfd and no data (dropped)");
                    return;
                }
                try {
                    memfds.incrementAndGet();
                    data = readMemfd(d.fds()[0]);
                } catch (NativeMessage.Malformed e) {
                    malformed(d.pid(), e.getMessage());
                    return;
                }
            }
            if (data.length == 0) {
                ignored.incrementAndGet();
                return;
            }
            List<NativeMessage.Entry> entries;
            try {
                entries = NativeMessage.parse(data);
            } catch (NativeMessage.Malformed e) {
                malformed(d.pid(), e.getMessage() + " (dropped)");
                return;
            }
            String service = senders.service(d.pid());
            for (NativeMessage.Entry e : entries) {
                if (e.message() == null) { // nothing a LogLine can hold: the other fields are not kept yet
                    ignored.incrementAndGet();
                    continue;
                }
                journal(service, e.priority(), e.pid() > 0 ? e.pid() : d.pid(), identifier(e.identifier(), d.pid()), e.message());
            }
        }

        /** The entry in a sealed memfd (sealed so that the sender cannot change it while it is read), from offset 0. */
        private byte[] readMemfd(int memfd) throws NativeMessage.Malformed {
            try {
                int seals = Posix.seals(memfd);
                if ((seals & REQUIRED_SEALS) != REQUIRED_SEALS) {
                    throw new NativeMessage.Malformed("the file descriptor is not a memfd sealed against writes, growing and shrinking (dropped)");
                }
                byte[] buf = new byte[64 * 1024];
                int size = 0;
                while (true) {
                    if (size == buf.length) {
                        if (buf.length > MAX_MEMFD) throw new NativeMessage.Malformed("memfd entry over " + MAX_MEMFD + " bytes (dropped)");
                        buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_MEMFD + 1));
                    }
                    int n = Posix.pread(memfd, buf, size, buf.length - size, size);
                    if (n == 0) break;
                    size += n;
                }
                if (size > MAX_MEMFD) throw new NativeMessage.Malformed("memfd entry over " + MAX_MEMFD + " bytes (dropped)");
                return Arrays.copyOf(buf, size);
            } catch (LinuxException e) {
                throw new NativeMessage.Malformed("cannot read the memfd: " + e.getMessage());
            }
        }
    }

    /**
     * journald's stdout stream socket: one thread accepts and polls every connection, reads what is there (up to 64 KiB
     * a connection a round, so that one flooding client does not starve the others), and journals the lines. The
     * partial line of a stream goes out after {@link #STREAM_PARTIAL_TIMEOUT_NANOS} without its newline and at its end;
     * when logd stops, what the open connections hold is read first and their partial lines flushed.
     */
    private final class StreamListener extends Listener {
        private final int maxStreams;
        private final java.util.LinkedHashMap<Integer, Connection> connections = new java.util.LinkedHashMap<>();
        private final byte[] buffer = new byte[64 * 1024];
        final AtomicLong accepted = new AtomicLong(), refused = new AtomicLong(), open = new AtomicLong(), bytes = new AtomicLong();

        /** One client: its header and framing, who it is (at connect), since when its partial line waits. */
        private final class Connection implements dynamod.journal.logs.LineFramer.Sink {
            final int fd, pid;
            final String comm;
            final StdoutStream stream = new StdoutStream(STREAM_LINE_MAX);
            String service;
            /** The service was looked up again at the first line (read at connect, the peer may have been mid-exec). */
            boolean serviceChecked;

            Connection(int fd, int pid) {
                this.fd = fd;
                this.pid = pid;
                this.service = senders.service(pid);
                this.comm = senders.comm(pid); // now: the peer may be gone by the time the header is read
            }

            @Override
            public void line(byte[] message, int priority, int flags) {
                if (service.isEmpty() && !serviceChecked) {
                    serviceChecked = true;
                    service = Senders.readService(pid); // not the cache: it would say "" for a second
                }
                String identifier = stream.identifier().isEmpty() ? comm : stream.identifier();
                try {
                    journal.append(new LogLine(service, LogStream.STDOUT, priority, pid, identifier, message, flags));
                    journaled.incrementAndGet();
                } catch (RuntimeException e) {
                    if (journalFailures++ < 10) System.err.println("dynamod-logd: " + path.getFileName() + ": cannot journal: " + e);
                }
            }
        }

        StreamListener(int fd, Path path, int maxStreams) {
            super(fd, path, LogStream.STDOUT, "logd-stdout");
            this.maxStreams = maxStreams;
        }

        StreamCounters streamCounters() {
            return new StreamCounters(accepted.get(), refused.get(), open.get(), bytes.get(), journaled.get(), malformed.get(), warnings.get());
        }

        @Override
        String unit() {
            return "stream";
        }

        @Override
        void handle(UnixSockets.Datagram d) {
            throw new UnsupportedOperationException("a stream socket has no datagrams");
        }

        @Override
        void run() {
            try {
                while (!stopping) {
                    Connection[] polled = connections.values().toArray(new Connection[0]);
                    int[] fds = new int[polled.length + 1];
                    short[] events = new short[fds.length], revents = new short[fds.length];
                    fds[0] = fd;
                    events[0] = Posix.POLLIN;
                    long due = Long.MAX_VALUE;
                    for (int i = 0; i < polled.length; i++) {
                        fds[i + 1] = polled[i].fd;
                        events[i + 1] = Posix.POLLIN;
                        if (polled[i].stream.hasPartial()) due = Math.min(due, polled[i].stream.partialSince() + STREAM_PARTIAL_TIMEOUT_NANOS);
                    }
                    int timeout = due == Long.MAX_VALUE ? -1
                            : (int) Math.clamp((due - System.nanoTime() + 999_999) / 1_000_000, 0, Integer.MAX_VALUE);
                    try {
                        Posix.poll(fds, events, revents, timeout);
                    } catch (LinuxException e) {
                        if (stopping || e.errno() == Errno.EBADF) return;
                        throw e;
                    }
                    if (stopping) return;
                    for (int i = 0; i < polled.length; i++) {
                        if (revents[i + 1] != 0) read(polled[i]);
                    }
                    long now = System.nanoTime();
                    for (Connection c : polled) {
                        if (connections.containsKey(c.fd) && c.stream.hasPartial() && now - (c.stream.partialSince() + STREAM_PARTIAL_TIMEOUT_NANOS) >= 0) {
                            c.stream.flush(c);
                        }
                    }
                    if (revents[0] != 0) acceptAll(false);
                }
            } catch (Throwable t) { // a bug here must not leave the socket looking alive
                System.err.println("dynamod-logd: " + path.getFileName() + ": the listener failed: " + t);
                t.printStackTrace();
            } finally {
                drainAndClose();
            }
        }

        /** Accepts what is waiting; at stop too (a connection queued before the shutdown can still be accepted). */
        private void acceptAll(boolean atStop) {
            for (int n = 0; atStop ? n < maxStreams : !stopping; n++) {
                int client;
                try {
                    client = UnixSockets.accept(fd);
                } catch (LinuxException e) {
                    if (e.errno() != Errno.EAGAIN && e.errno() != Errno.ECONNABORTED && e.errno() != Errno.EINVAL && !stopping) {
                        warn(path.getFileName() + ": accept failed: " + e.getMessage());
                    }
                    return;
                }
                int pid = -1;
                try {
                    pid = UnixSockets.peerCredentials(client).pid();
                    if (connections.size() >= maxStreams) {
                        Posix.closeQuietly(client);
                        refused.incrementAndGet();
                        warn(path.getFileName() + ": " + maxStreams + " streams are open: refused the connection of pid " + pid);
                        continue;
                    }
                    Posix.setNonBlocking(client, true);
                } catch (LinuxException e) {
                    Posix.closeQuietly(client);
                    malformed(pid, "cannot set up the connection: " + e.getMessage());
                    continue;
                }
                accepted.incrementAndGet();
                connections.put(client, new Connection(client, pid));
                open.set(connections.size());
            }
        }

        /** One read of a ready connection; at its end (or on an error) the partial line goes out and it is closed. */
        private void read(Connection c) {
            int n;
            try {
                n = Posix.read(c.fd, buffer, 0, buffer.length);
            } catch (LinuxException e) {
                n = 0; // ECONNRESET and the like: an end, as journald takes it
            }
            if (n < 0) return; // EAGAIN: nothing after all
            try {
                if (n == 0) {
                    c.stream.end(c);
                    close(c);
                    return;
                }
                bytes.addAndGet(n);
                c.stream.feed(buffer, 0, n, c, System.nanoTime());
            } catch (StdoutStream.Malformed e) {
                malformed(c.pid, e.getMessage() + " (connection closed)");
                close(c);
            }
        }

        private void close(Connection c) {
            connections.remove(c.fd);
            open.set(connections.size());
            Posix.closeQuietly(c.fd);
        }

        /** At stop: what the clients wrote before is read (a bounded amount), partial lines go out, all is closed. */
        private void drainAndClose() {
            try {
                acceptAll(true);
            } catch (RuntimeException e) {
                System.err.println("dynamod-logd: " + path.getFileName() + ": accepting at stop: " + e);
            }
            for (Connection c : connections.values().toArray(new Connection[0])) {
                try {
                    for (int round = 0; round < 256 && connections.containsKey(c.fd); round++) {
                        int n;
                        try {
                            n = Posix.read(c.fd, buffer, 0, buffer.length);
                        } catch (LinuxException e) {
                            n = 0;
                        }
                        if (n < 0) break;
                        if (n == 0) {
                            c.stream.end(c);
                            break;
                        }
                        bytes.addAndGet(n);
                        c.stream.feed(buffer, 0, n, c);
                    }
                    c.stream.flush(c);
                } catch (StdoutStream.Malformed e) {
                    malformed(c.pid, e.getMessage() + " (connection closed)");
                } catch (RuntimeException e) {
                    System.err.println("dynamod-logd: " + path.getFileName() + ": draining pid " + c.pid + ": " + e);
                }
                close(c);
            }
        }
    }

}
