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
 * The datagram log sockets: syslog ({@code RUN/log.sock}; {@code /dev/log} in PID-1 mode) and the native journal
 * protocol ({@code RUN/journal.sock}; {@code /run/systemd/journal/socket} in PID-1 mode). Each is bound with SO_PASSCRED,
 * mode 0666 (anyone may log; the kernel's credentials say who did), and read by one platform thread: receive, parse,
 * {@code journal.append(LogLine)} with stream SYSLOG or NATIVE. The line's service is the sender's
 * {@code DYNAMOD_SERVICE} ({@link Senders}), its pid the one the message names, else the sender's.
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
    public static final String IDENTIFIER = "dynamod-logd";

    private static final int REQUIRED_SEALS = Posix.F_SEAL_SHRINK | Posix.F_SEAL_GROW | Posix.F_SEAL_WRITE;

    /**
     * What a socket has seen: datagrams received (memfds among them), entries journaled, malformed datagrams, ignored ones
     * (empty, or native entries without MESSAGE), and the warnings journaled about the malformed ones.
     */
    public record Counters(long received, long memfds, long journaled, long malformed, long ignored, long warnings) {}

    private final Journal journal;
    private final Senders senders = new Senders();
    private final Duration warnInterval;
    private final List<Listener> listeners = new ArrayList<>();
    private final Listener syslog, nativeProtocol;

    private LogSockets(Journal journal, Path syslogSocket, Path nativeSocket, Duration warnInterval) throws IOException {
        this.journal = journal;
        this.warnInterval = warnInterval;
        try {
            syslog = syslogSocket == null ? null : add(new SyslogListener(bind(syslogSocket), syslogSocket));
            nativeProtocol = nativeSocket == null ? null : add(new NativeListener(bind(nativeSocket), nativeSocket));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Binds both sockets (a null path: that one is not bound) and starts their threads. */
    public static LogSockets start(Journal journal, Path syslogSocket, Path nativeSocket) throws IOException {
        return start(journal, syslogSocket, nativeSocket, DEFAULT_WARN_INTERVAL);
    }

    public static LogSockets start(Journal journal, Path syslogSocket, Path nativeSocket, Duration warnInterval)
            throws IOException {
        LogSockets sockets = new LogSockets(journal, syslogSocket, nativeSocket, warnInterval);
        for (Listener l : sockets.listeners) l.thread.start();
        return sockets;
    }

    public Counters syslogCounters() {
        return syslog == null ? new Counters(0, 0, 0, 0, 0, 0) : syslog.counters();
    }

    public Counters nativeCounters() {
        return nativeProtocol == null ? new Counters(0, 0, 0, 0, 0, 0) : nativeProtocol.counters();
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
            closeQuietly(fd);
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

        private void run() {
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
                    for (int f : d.fds()) closeQuietly(f);
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
            closeQuietly(fd);
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
            long now = System.nanoTime();
            if (warned && now - lastWarning < warnInterval.toNanos()) {
                quiet++;
                return;
            }
            String text = path.getFileName() + ": malformed datagram" + (pid > 0 ? " from pid " + pid : "") + ": " + reason
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

    private static void closeQuietly(int fd) {
        try {
            Posix.close(fd);
        } catch (LinuxException ignored) {
            // nothing more to do with it
        }
    }
}
