package dynamod.svmgr.runtime;

import dynamod.init.InitMessage;
import dynamod.linux.LinuxException;
import dynamod.linux.UnixSockets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * svmgr's end of the socketpair to init: heartbeats and fd-store requests go out; adopted processes' exits, stored
 * fds and shutdown requests come in. Without init (svmgr run on its own, as in tests) it is a no-op.
 */
final class InitLink {

    /** A message from init with the fds that came with it. */
    record Received(InitMessage message, int[] fds) {}

    private final int fd;

    private InitLink(int fd) {
        this.fd = fd;
    }

    static InitLink none() {
        return new InitLink(-1);
    }

    static InitLink of(int fd) {
        return new InitLink(fd);
    }

    boolean connected() {
        return fd >= 0;
    }

    /** Reads what init sends first — stored fds, held-back exits, what happened to the last svmgr — up to SYNC. */
    List<Received> readUntilSync() throws java.io.IOException {
        List<Received> received = new ArrayList<>();
        if (fd < 0) return received;
        while (true) {
            Received r = receive();
            if (r == null) throw new java.io.IOException("init closed the link before SYNC");
            if (r.message().verb().equals(InitMessage.SYNC)) return received;
            received.add(r);
        }
    }

    /** The next message, or null when init closed the link. A malformed one is skipped with a warning. */
    Received receive() throws LinuxException {
        while (true) {
            UnixSockets.Message m = UnixSockets.receiveWithFds(fd, InitMessage.MAX_BYTES);
            if (m.length() == 0 && m.fds().length == 0) return null;
            try {
                return new Received(InitMessage.decode(m.data(), m.length()), m.fds());
            } catch (IllegalArgumentException e) {
                System.err.println("dynamod-svmgr: bad message from init: " + e.getMessage());
            }
        }
    }

    /** Reads init's messages on a thread of its own until the link closes. */
    void listen(BiConsumer<InitMessage, int[]> handler, Runnable closed) {
        if (fd < 0) return;
        Thread t = new Thread(() -> {
            try {
                for (Received r; (r = receive()) != null; ) handler.accept(r.message(), r.fds());
            } catch (Throwable e) {
                System.err.println("dynamod-svmgr: init link: " + e);
            }
            closed.run();
        }, "init-link");
        t.setDaemon(true);
        t.start();
    }

    synchronized void send(InitMessage message, int... fds) {
        if (fd < 0) return;
        try {
            UnixSockets.sendWithFds(fd, message.encode(), fds);
        } catch (LinuxException e) {
            System.err.println("dynamod-svmgr: cannot tell init " + message + ": " + e.getMessage());
        }
    }
}
