package dynamod.logd;

import dynamod.logd.index.IndexedLogs;
import dynamod.logd.query.Cursor;
import dynamod.logd.query.JournalLogs;
import dynamod.logd.query.LogEntry;
import dynamod.logd.query.LogQuery;
import dynamod.logd.query.Wire;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * logd's query socket: a SOCK_STREAM Unix socket; each connection sends one {@link LogQuery} and gets its entries
 * ({@link Wire} has the protocol), answered by {@link IndexedLogs}. A follower is served until it closes the
 * connection or logd stops. It also answers {@code --list-boots}, {@code -F} and {@code --disk-usage}. Mode 0600: the journal's readers are root's (as the journal's files are).
 */
public final class QueryServer implements AutoCloseable {

    private static final int MAX_REQUEST = 1 << 20;

    private final Path path;
    private final ServerSocketChannel server;
    private final IndexedLogs logs;
    private final Thread acceptor;
    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();
    private final AtomicLong served = new AtomicLong();
    private volatile boolean closed;

    private QueryServer(Path path, ServerSocketChannel server, IndexedLogs logs) {
        this.path = path;
        this.server = server;
        this.logs = logs;
        this.acceptor = Thread.ofPlatform().daemon().name("logd-queries").unstarted(this::accept);
    }

    public static QueryServer start(Path path, IndexedLogs logs) throws IOException {
        Files.createDirectories(path.getParent());
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        QueryServer s = new QueryServer(path, server, logs);
        s.acceptor.start();
        return s;
    }

    public Path path() {
        return path;
    }

    /** Queries answered (or refused) so far. */
    public long served() {
        return served.get();
    }

    private void accept() {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                clients.add(client);
                Thread.ofVirtual().name("logd-query").start(() -> serve(client));
            } catch (IOException e) {
                if (closed) return;
                System.err.println("dynamod-logd: query socket: " + e);
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            InputStream in = Channels.newInputStream(client);
            OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(client), 1 << 16);
            String request = line(in);
            if (request == null) return;
            AtomicBoolean gone = new AtomicBoolean();
            Cursor[] last = new Cursor[1];
            send(out, Wire.journal(logs.direct().journalId()));
            try {
                switch (Wire.parseRequest(request)) {
                    case Wire.Request.Entries(LogQuery query) -> {
                        if (query.follow()) {
                            // The client sends nothing more: end of input means it went away.
                            Thread.ofVirtual().start(() -> {
                                try {
                                    while (in.read() >= 0) {
                                        // ignore
                                    }
                                } catch (IOException e) {
                                    // closed
                                }
                                gone.set(true);
                            });
                        }
                        logs.run(query, new JournalLogs.Sink() {
                            @Override
                            public void entry(LogEntry e) throws IOException {
                                send(out, Wire.entry(e));
                                last[0] = e.cursor();
                            }

                            @Override
                            public void caughtUp() throws IOException {
                                send(out, Wire.caughtUp());
                                out.flush();
                            }
                        }, () -> !closed && !gone.get());
                    }
                    case Wire.Request.Boots b -> {
                        for (var boot : logs.direct().boots()) send(out, Wire.boot(boot));
                    }
                    case Wire.Request.FieldValues(LogQuery query, String field) -> {
                        for (byte[] value : logs.fieldValues(query, field)) send(out, Wire.value(value));
                    }
                    case Wire.Request.DiskUsage d -> send(out, Wire.diskUsage(JournalLogs.diskUsage(logs.direct().directory())));
                }
                send(out, Wire.end(last[0]));
            } catch (IllegalArgumentException e) { // QueryException, and a request that does not parse
                send(out, Wire.error(e.getMessage()));
            } catch (IOException | RuntimeException e) {
                if (!gone.get() && !closed) {
                    try {
                        send(out, Wire.error("logd could not answer: " + e));
                    } catch (IOException ignored) {
                        // the client is gone
                    }
                }
            }
            out.flush();
        } catch (IOException e) {
            // the client went away
        } finally {
            clients.remove(client);
            served.incrementAndGet();
        }
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    /** A line of at most {@value #MAX_REQUEST} bytes, without its newline; null at end of input. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
            if (b.size() >= MAX_REQUEST) throw new IOException("request too long");
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (SocketChannel c : clients) {
            try {
                c.shutdownInput();
            } catch (IOException e) {
                // gone
            }
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
