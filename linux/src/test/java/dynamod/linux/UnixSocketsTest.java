package dynamod.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketsTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void datagramCarriesCredentials(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("notify");
        int fd = UnixSockets.bindDatagram(path, true);
        assertNull(UnixSockets.receive(fd, 4096, false), "nothing waiting");
        UnixSockets.sendDatagram(path, bytes("READY=1"), new int[0]);
        UnixSockets.Datagram d = UnixSockets.receive(fd, 4096, true);
        assertEquals("READY=1", new String(d.data(), StandardCharsets.UTF_8));
        assertEquals(Posix.getpid(), d.pid());
        assertEquals(Posix.getuid(), d.uid());
        assertEquals(Posix.getgid(), d.gid());
        assertEquals(0, d.fds().length);
        assertFalse(d.truncated());
        Posix.close(fd);
    }

    @Test
    void datagramFromAChildProcessNamesTheChild(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3 to send from another process");
        Path path = dir.resolve("notify");
        int fd = UnixSockets.bindDatagram(path, true);
        // The sender is whoever sent: a child's datagram carries the child's pid, unforgeably.
        Children.Result r = Children.run("/usr/bin/python3",
                List.of("python3", "-c", "import socket,os; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);"
                        + " s.sendto(b'MAINPID=%d' % os.getpid(), '" + path + "')"), Map.of());
        assertEquals(0, r.status().exitCode(), r.output());
        UnixSockets.Datagram d = UnixSockets.receive(fd, 4096, false);
        assertEquals("MAINPID=" + d.pid(), new String(d.data(), StandardCharsets.UTF_8));
        assertTrue(d.pid() != Posix.getpid());
        Posix.close(fd);
    }

    @Test
    void datagramWithoutPassCredentialsHasNone(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("plain");
        int fd = UnixSockets.bindDatagram(path, false);
        UnixSockets.sendDatagram(path, bytes("0123456789abcdef"), new int[0]);
        UnixSockets.Datagram d = UnixSockets.receive(fd, 10, true);
        assertEquals(-1, d.pid());
        assertTrue(d.truncated());
        assertEquals("0123456789", new String(d.data(), StandardCharsets.UTF_8));
        Posix.close(fd);
        int again = UnixSockets.bindDatagram(path, false); // the stale socket file is replaced
        Posix.close(again);
    }

    @Test
    void datagramPassesFds(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("fdstore");
        int fd = UnixSockets.bindDatagram(path, true);
        int[] pipe = Posix.pipe();
        UnixSockets.sendDatagram(path, bytes("FDSTORE=1"), new int[] {pipe[1]});
        Posix.close(pipe[1]);
        UnixSockets.Datagram d = UnixSockets.receive(fd, 4096, true);
        assertEquals(1, d.fds().length);
        assertEquals(Posix.getpid(), d.pid());
        Posix.writeFully(d.fds()[0], bytes("through"));
        Posix.close(d.fds()[0]);
        assertEquals("through", Children.readAll(pipe[0]));
        Posix.close(pipe[0]);
        Posix.close(fd);
    }

    @Test
    void pathTooLong(@TempDir Path dir) {
        Path path = dir.resolve("x".repeat(120));
        LinuxException e = assertThrows(LinuxException.class, () -> UnixSockets.bindDatagram(path, false));
        assertEquals(Errno.ENAMETOOLONG, e.errno());
        assertTrue(e.getMessage().contains("at most 107 bytes"), e.getMessage());
    }

    @Test
    void streamConnectAcceptAndPeerCredentials(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("control");
        int listener = UnixSockets.listenStream(path, 8, 0600);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
        int client = UnixSockets.connectStream(path);
        int server = UnixSockets.accept(listener);
        UnixSockets.Credentials peer = UnixSockets.peerCredentials(server);
        assertEquals(new UnixSockets.Credentials(Posix.getpid(), Posix.getuid(), Posix.getgid()), peer);
        Posix.writeFully(client, bytes("ping"));
        byte[] buf = new byte[4];
        assertEquals(4, Posix.read(server, buf, 0, 4));
        assertArrayEquals(bytes("ping"), buf);
        for (int fd : new int[] {client, server, listener}) Posix.close(fd);
        LinuxException refused = assertThrows(LinuxException.class, () -> UnixSockets.connectStream(path));
        assertEquals(Errno.ECONNREFUSED, refused.errno());
    }

    @Test
    void shutdownWakesABlockedAccept(@TempDir Path dir) throws Exception {
        int listener = UnixSockets.listenStream(dir.resolve("s"), 8, 0600);
        CompletableFuture<Integer> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                return UnixSockets.accept(listener);
            } catch (LinuxException e) {
                throw new RuntimeException(e);
            }
        });
        UnixSockets.shutdown(listener);
        ExecutionException e = assertThrows(ExecutionException.class, () -> accepting.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getCause() instanceof LinuxException, e.toString());
        Posix.close(listener);
    }

    @Test
    void socketPairPassesFds() throws Exception {
        int[] pair = UnixSockets.socketPair(true);
        int[] pipe = Posix.pipe();
        UnixSockets.sendWithFds(pair[0], bytes("store"), new int[] {pipe[1], pipe[0]});
        Posix.close(pipe[1]);
        Posix.close(pipe[0]);
        UnixSockets.Message m = UnixSockets.receiveWithFds(pair[1], 64);
        assertEquals(5, m.length());
        assertEquals("store", new String(m.data(), StandardCharsets.UTF_8));
        assertEquals(2, m.fds().length);
        Posix.writeFully(m.fds()[0], bytes("kept"));
        Posix.close(m.fds()[0]);
        assertEquals("kept", Children.readAll(m.fds()[1]));
        Posix.close(m.fds()[1]);

        UnixSockets.sendWithFds(pair[0], bytes("0123456789"), new int[0]);
        LinuxException tooLong = assertThrows(LinuxException.class, () -> UnixSockets.receiveWithFds(pair[1], 4));
        assertEquals(Errno.EMSGSIZE, tooLong.errno());

        Posix.close(pair[0]);
        assertEquals(0, UnixSockets.receiveWithFds(pair[1], 64).length(), "EOF");
        Posix.close(pair[1]);
        assertThrows(IllegalArgumentException.class, () -> UnixSockets.sendWithFds(pair[0], new byte[0], new int[0]));
    }

    @Test
    void streamSocketPair() throws Exception {
        int[] pair = UnixSockets.socketPair(false);
        UnixSockets.sendWithFds(pair[0], bytes("abc"), new int[0]);
        UnixSockets.Message m = UnixSockets.receiveWithFds(pair[1], 64);
        assertEquals("abc", new String(m.data(), StandardCharsets.UTF_8));
        Posix.close(pair[0]);
        Posix.close(pair[1]);
    }
}
