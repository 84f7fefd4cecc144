package dynamod.logd.query;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/** A client of logd's query socket ({@link Wire}): one query per connection. */
public final class LogdClient implements AutoCloseable {

    private final SocketChannel channel;

    private LogdClient(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to a live logd; empty if there is no socket or nobody listens on it (logd is not running). */
    public static Optional<LogdClient> connect(Path socket) {
        if (!Files.exists(socket)) return Optional.empty();
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                ch.close();
                return Optional.empty();
            }
            return Optional.of(new LogdClient(ch));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Sends the query and passes its entries to {@code sink} as logd sends them; a follower stops (closing the
     * connection) once {@code running} turns false. A query logd refuses is a {@link QueryException}.
     */
    public void run(LogQuery query, JournalLogs.Sink sink, BooleanSupplier running) throws IOException {
        OutputStream out = Channels.newOutputStream(channel);
        out.write((Wire.query(query) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        Thread watcher = null;
        if (query.follow()) {
            watcher = Thread.ofVirtual().start(() -> {
                while (channel.isOpen() && running.getAsBoolean()) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                try {
                    channel.close();
                } catch (IOException e) {
                    // closed
                }
            });
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8), 1 << 16);
        UUID journal = null;
        try {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                Map<String, Object> o = Wire.object(line);
                if (o.containsKey("journal")) {
                    journal = Cursor.Ids.parse((String) o.get("journal"));
                } else if (o.containsKey("seq")) {
                    if (journal == null) throw new IOException("logd sent an entry before the journal id");
                    sink.entry(Wire.parseEntry(o, journal));
                } else if (o.containsKey("caughtUp")) {
                    sink.caughtUp();
                } else if (o.containsKey("error")) {
                    throw new QueryException((String) o.get("error"));
                } else if (o.containsKey("end")) {
                    return;
                }
            }
            if (!query.follow() || running.getAsBoolean()) throw new IOException("logd closed the connection before the end");
        } catch (ClosedChannelException e) {
            if (running.getAsBoolean()) throw e;
            // we stopped following
        } catch (IOException e) {
            if (query.follow() && !running.getAsBoolean()) return;
            throw e;
        } finally {
            if (watcher != null) watcher.interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
