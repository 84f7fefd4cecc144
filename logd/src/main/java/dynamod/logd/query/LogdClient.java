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
import dynamod.journal.Boot;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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
        Thread watcher = null;
        if (query.follow()) {
            watcher = Thread.ofVirtual().unstarted(() -> {
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
        UUID[] journal = {null};
        try {
            exchange(new Wire.Request.Entries(query), watcher, o -> {
                if (o.containsKey("journal")) {
                    journal[0] = Cursor.Ids.parse((String) o.get("journal"));
                } else if (o.containsKey("seq")) {
                    if (journal[0] == null) throw new IOException("logd sent an entry before the journal id");
                    sink.entry(Wire.parseEntry(o, journal[0]));
                } else if (o.containsKey("caughtUp")) {
                    sink.caughtUp();
                }
            });
            if (query.follow() && !running.getAsBoolean()) return;
        } catch (ClosedChannelException e) {
            if (running.getAsBoolean()) throw e;
            // we stopped following
        } catch (EndOfAnswer e) {
            if (!query.follow() || running.getAsBoolean()) throw new IOException("logd closed the connection before the end");
        } catch (IOException e) {
            if (query.follow() && !running.getAsBoolean()) return;
            throw e;
        } finally {
            if (watcher != null) watcher.interrupt();
        }
    }

    /** {@code --list-boots}: the journal's boots, oldest first (their ids and times). */
    public List<Boot> boots() throws IOException {
        List<Boot> boots = new ArrayList<>();
        answer(new Wire.Request.Boots(), o -> {
            if (o.containsKey("boot")) boots.add(Wire.parseBoot(o));
        });
        return boots;
    }

    /** {@code -F}: the distinct values of a field among the query's entries, in order of first appearance. */
    public List<byte[]> fieldValues(LogQuery query, String field) throws IOException {
        List<byte[]> values = new ArrayList<>();
        answer(new Wire.Request.FieldValues(query, field), o -> {
            if (o.containsKey("value")) values.add(Base64.getDecoder().decode((String) o.get("value")));
        });
        return values;
    }

    /** {@code --disk-usage}: the bytes of every file under the journal directory logd serves. */
    public long diskUsage() throws IOException {
        long[] bytes = {-1};
        answer(new Wire.Request.DiskUsage(), o -> {
            if (o.containsKey("diskUsage")) bytes[0] = ((Number) o.get("diskUsage")).longValue();
        });
        if (bytes[0] < 0) throw new IOException("logd sent no disk usage");
        return bytes[0];
    }

    private interface Handler {
        void message(Map<String, Object> o) throws IOException;
    }

    /** The connection ended before logd's {@code end}. */
    private static final class EndOfAnswer extends IOException {
        EndOfAnswer() {
            super("logd closed the connection before the end");
        }
    }

    private void answer(Wire.Request request, Handler handler) throws IOException {
        exchange(request, null, handler);
    }

    /** Sends a request and hands each message to {@code handler} until logd's end; its error is a QueryException. */
    private void exchange(Wire.Request request, Thread watcher, Handler handler) throws IOException {
        OutputStream out = Channels.newOutputStream(channel);
        out.write((Wire.request(request) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (watcher != null) watcher.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8), 1 << 16);
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            Map<String, Object> o = Wire.object(line);
            if (o.containsKey("error")) throw new QueryException((String) o.get("error"));
            if (o.containsKey("end")) return;
            handler.message(o);
        }
        throw new EndOfAnswer();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
