package dynamod.svmgr.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;

/**
 * A client of svmgr's control socket: one request, one response (or, after {@code subscribe}, a stream of them).
 * Plain JDK sockets: a command-line tool that only talks to the socket loads no native code and no journal.
 */
public final class ControlClient implements AutoCloseable {

    public static final String SOCKET_NAME = "control.sock";

    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    private ControlClient(SocketChannel channel) {
        this.channel = channel;
        this.in = Channels.newInputStream(channel);
        this.out = Channels.newOutputStream(channel);
    }

    /** Connects to {@code runtimeDir/control.sock}. */
    public static ControlClient connect(Path runtimeDir) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(runtimeDir.resolve(SOCKET_NAME)));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new ControlClient(channel);
    }

    public Map<String, Object> call(Map<String, Object> request) throws IOException {
        Frames.write(out, request);
        return next();
    }

    /** The next response; a closed connection is an IOException. */
    public Map<String, Object> next() throws IOException {
        Map<String, Object> response = Frames.read(in, Frames.MAX_RESPONSE);
        if (response == null) throw new IOException("the manager closed the connection");
        return response;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
