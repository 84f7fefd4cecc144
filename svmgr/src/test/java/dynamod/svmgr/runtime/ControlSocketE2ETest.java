package dynamod.svmgr.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.text.JsonParser;
import dynamod.linux.Posix;
import dynamod.svmgr.control.ControlClient;
import dynamod.svmgr.control.Frames;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket against hostile and busy clients: raw AF_UNIX connections that break the wire format. */
class ControlSocketE2ETest {

    @TempDir
    static Path dir;

    static HostTree tree;
    static int managerPid;

    @BeforeAll
    static void startTree() throws Exception {
        Path config = HostTree.config(dir);
        HostTree.service(config, "x", EndToEnd.sleeper());
        HostTree.service(config, "y", EndToEnd.sleeper());
        tree = HostTree.start(dir);
        tree.awaitState("x", "running");
        tree.awaitState("y", "running");
        managerPid = tree.svmgrPid();
    }

    @AfterAll
    static void stopTree() throws Exception {
        if (tree != null) tree.close();
    }

    /** After every case: the same manager still answers, and the services did not notice. */
    @AfterEach
    void theManagerKeepsAnswering() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> tree.ping().isPresent());
        assertEquals(managerPid, tree.svmgrPid(), "the manager was not restarted");
        assertEquals("running", tree.stateOf("x"));
    }

    private static SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(tree.runDir().resolve(ControlClient.SOCKET_NAME)));
        return ch;
    }

    private static void send(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) ch.write(b);
    }

    /** A frame header: length L (unsigned 32 bits) and, if {@code version >= 0}, the version byte. */
    private static byte[] header(long length, int version) {
        ByteBuffer b = ByteBuffer.allocate(version >= 0 ? 5 : 4).putInt((int) length);
        if (version >= 0) b.put((byte) version);
        return b.array();
    }

    private static byte[] frame(String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + body.length).put(header(1 + body.length, 1)).put(body).array();
    }

    /** Sends {@code bytes} (half-closing after them if asked), reads one response; asserts the error and that the server closed. */
    private static Map<String, Object> expectErrorAndClose(byte[] bytes, boolean halfClose, String code) throws IOException {
        try (SocketChannel ch = connect()) {
            send(ch, bytes);
            if (halfClose) ch.shutdownOutput();
            InputStream in = Channels.newInputStream(ch);
            Map<String, Object> r = Frames.read(in, Frames.MAX_RESPONSE);
            assertEquals(false, r.get("ok"), r::toString);
            assertEquals(code, r.get("code"), r::toString);
            assertTrue(r.get("error") instanceof String e && !e.isEmpty(), r::toString);
            assertClosed(in);
            return r;
        }
    }

    /**
     * The server closed the connection: end of stream, or a reset when it closed with bytes of ours unread (AF_UNIX
     * resets the peer then; what the server wrote before is still read first).
     */
    private static void assertClosed(InputStream in) {
        try {
            assertEquals(-1, in.read(), "the server closed the connection");
        } catch (IOException e) {
            assertEquals("Connection reset", e.getMessage(), "closed, not some other failure: " + e);
        }
    }

    @Test
    void theSocketIsOwnerOnly() throws Exception {
        Path socket = tree.runDir().resolve(ControlClient.SOCKET_NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals(Posix.geteuid(), (int) Files.getAttribute(socket, "unix:uid"));
    }

    @Test
    void aLengthOf4GiBIsRefusedWithoutReadingIt() throws Exception {
        Map<String, Object> r = expectErrorAndClose(header(0xFFFF_FFFFL, 1), false, "bad-frame");
        assertTrue(((String) r.get("error")).contains("exceeds the limit"), r::toString);
        // Just above the limit, too.
        expectErrorAndClose(header(Frames.MAX_REQUEST + 1L, 1), false, "bad-frame");
    }

    @Test
    void aWrongVersionIsRefused() throws Exception {
        byte[] f = frame("{\"command\":\"ping\"}");
        f[4] = 2;
        Map<String, Object> r = expectErrorAndClose(f, false, "bad-frame");
        assertTrue(((String) r.get("error")).contains("version 2"), r::toString);
    }

    @Test
    void aTruncatedFrameIsRefused() throws Exception {
        byte[] partial = "{\"command\":".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = ByteBuffer.allocate(5 + partial.length).put(header(100, 1)).put(partial).array();
        Map<String, Object> r = expectErrorAndClose(bytes, true, "bad-frame");
        assertTrue(((String) r.get("error")).contains("truncated"), r::toString);
        // A header cut short, and a header without its version byte.
        expectErrorAndClose(new byte[] {0, 0}, true, "bad-frame");
        expectErrorAndClose(header(10, -1), true, "bad-frame");
    }

    @Test
    void aTruncatedFrameThenCloseCostsNothing() throws Exception {
        try (SocketChannel ch = connect()) {
            send(ch, ByteBuffer.allocate(8).put(header(1000, 1)).put("{\"c".getBytes(StandardCharsets.UTF_8)).array());
        } // closed without reading: the server's answer goes nowhere, and it must not care
    }

    @Test
    void invalidJsonIsRefused() throws Exception {
        Map<String, Object> r = expectErrorAndClose(frame("{\"command\": ping}"), false, "bad-frame");
        assertTrue(((String) r.get("error")).contains("invalid JSON"), r::toString);
        expectErrorAndClose(frame("{\"command\":"), false, "bad-frame");
        byte[] notUtf8 = frame("{\"command\":\"x\"}");
        notUtf8[notUtf8.length - 3] = (byte) 0xff;
        expectErrorAndClose(notUtf8, false, "bad-frame");
        expectErrorAndClose(header(0, -1), false, "bad-frame"); // an empty frame
    }

    @Test
    void jsonThatIsNotAnObjectIsRefused() throws Exception {
        for (String json : List.of("[1, 2, 3]", "\"ping\"", "42", "null")) {
            Map<String, Object> r = expectErrorAndClose(frame(json), false, "bad-frame");
            assertTrue(((String) r.get("error")).contains("not a JSON object"), r::toString);
        }
    }

    /**
     * A well-formed frame with a request the manager cannot do is answered with an error; the stream is still in step,
     * so the connection stays usable for the next request (the server closes only after frame errors).
     */
    private static void expectErrorThenUsable(String json, String code, String mentions) throws IOException {
        try (SocketChannel ch = connect()) {
            send(ch, frame(json));
            InputStream in = Channels.newInputStream(ch);
            Map<String, Object> r = Frames.read(in, Frames.MAX_RESPONSE);
            assertEquals(false, r.get("ok"), r::toString);
            assertEquals(code, r.get("code"), r::toString);
            assertTrue(((String) r.get("error")).contains(mentions), r::toString);
            send(ch, frame("{\"command\":\"ping\",\"id\":7}"));
            Map<String, Object> ping = Frames.read(in, Frames.MAX_RESPONSE);
            assertEquals(true, ping.get("ok"), ping::toString);
            assertEquals(7L, ((Number) ping.get("id")).longValue());
        }
    }

    @Test
    void anUnknownCommandIsAnError() throws Exception {
        expectErrorThenUsable("{\"command\":\"fly\"}", "unknown-command", "fly");
    }

    @Test
    void aMissingOrMistypedFieldIsAnError() throws Exception {
        expectErrorThenUsable("{\"command\":\"start\"}", "bad-request", "service");
        expectErrorThenUsable("{\"service\":\"x\"}", "bad-request", "command");
        expectErrorThenUsable("{\"command\":\"status\",\"services\":\"x\"}", "bad-request", "services");
        expectErrorThenUsable("{\"command\":\"stop\",\"service\":17}", "bad-request", "service");
        expectErrorThenUsable("{\"command\":\"stop\",\"service\":\"nope\"}", "unknown-service", "nope");
        expectErrorThenUsable("{\"command\":\"shutdown\",\"kind\":\"explode\"}", "bad-request", "explode");
    }

    @Test
    void fiftyConcurrentClientsOfTwentyCallsEachAllSucceed() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<Integer>> clients = new ArrayList<>();
            for (int c = 0; c < 50; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    int ok = 0;
                    try (ControlClient cc = ControlClient.connect(tree.runDir())) {
                        for (int i = 0; i < 20; i++) {
                            Map<String, Object> req = new LinkedHashMap<>();
                            req.put("command", "list");
                            req.put("id", client * 100 + i);
                            Map<String, Object> r = cc.call(req);
                            assertEquals(true, r.get("ok"), r::toString);
                            assertEquals(client * 100L + i, ((Number) r.get("id")).longValue(), "answers in order");
                            assertEquals(2, ((List<?>) r.get("services")).size(), r::toString);
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            int total = 0;
            for (Future<Integer> f : clients) total += f.get(60, TimeUnit.SECONDS);
            assertEquals(1000, total);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void moreClientsThanTheLimitAreToldTheServerIsBusy() throws Exception {
        List<ControlClient> held = new ArrayList<>();
        try {
            // Each answered ping proves its connection holds a slot.
            for (int i = 0; i < ControlServer.MAX_CLIENTS; i++) {
                ControlClient c = ControlClient.connect(tree.runDir());
                held.add(c);
                assertEquals(true, c.call(new LinkedHashMap<>(Map.of("command", "ping"))).get("ok"));
            }
            try (SocketChannel ch = connect()) {
                InputStream in = Channels.newInputStream(ch);
                Map<String, Object> r = Frames.read(in, Frames.MAX_RESPONSE);
                assertEquals("busy", r.get("code"), r::toString);
                assertClosed(in);
            }
        } finally {
            for (ControlClient c : held) c.close();
        }
        // The slots come back once those clients are gone (@AfterEach pings).
    }

    @Test
    void clientsThatLeaveWithoutReadingTheirAnswerCostNoSlots() throws Exception {
        for (int i = 0; i < 2 * ControlServer.MAX_CLIENTS; i++) {
            try (SocketChannel ch = connect()) {
                send(ch, frame(i % 2 == 0 ? "{\"command\":\"list\"}" : "{\"command\":\"tree\"}"));
            }
        }
        // Every slot comes back: MAX_CLIENTS clients at once are all served again.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<ControlClient> held = new ArrayList<>();
            try {
                for (int i = 0; i < ControlServer.MAX_CLIENTS; i++) {
                    ControlClient c = ControlClient.connect(tree.runDir());
                    held.add(c);
                    assertEquals(true, c.call(new LinkedHashMap<>(Map.of("command", "ping"))).get("ok"));
                }
            } finally {
                for (ControlClient c : held) c.close();
            }
        });
    }

    /** As root, a client running as nobody: it may ask, not change. */
    @Test
    void aNonOwnerMayListButNotChangeState() throws Exception {
        Assumptions.assumeTrue(Posix.geteuid() == 0, "needs root to run a client as another uid");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/perl")),
                "needs setpriv and perl");
        Path socket = tree.runDir().resolve(ControlClient.SOCKET_NAME);
        // The socket is 0600: let nobody reach it, so that the manager's own check is what is tested.
        for (Path p : List.of(dir, tree.state(), tree.runDir())) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        try {
            Path script = dir.resolve("client.pl");
            Files.writeString(script, """
                    use strict; use IO::Socket::UNIX;
                    my $path = shift;
                    for my $req (@ARGV) {
                        my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path) or die "connect: $!";
                        my $body = chr(1) . $req;
                        print $s pack("N", length($body)) . $body;
                        $s->flush;
                        my $hdr; read($s, $hdr, 4) == 4 or die "no header";
                        my $len = unpack("N", $hdr);
                        my $data; read($s, $data, $len) == $len or die "short frame";
                        print substr($data, 1), "\\n";
                        close $s;
                    }
                    """);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
            List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/usr/bin/perl", script.toString(), socket.toString(),
                    "{\"command\":\"list\"}", "{\"command\":\"stop\",\"service\":\"x\"}", "{\"command\":\"shutdown\",\"kind\":\"exit\"}",
                    "{\"command\":\"reload\"}"));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            List<Map<String, Object>> answers = out.lines().map(l -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) JsonParser.parse(l);
                return m;
            }).toList();
            assertEquals(4, answers.size(), out);
            assertEquals(true, answers.get(0).get("ok"), out);
            assertEquals(2, ((List<?>) answers.get(0).get("services")).size(), out);
            for (Map<String, Object> refused : answers.subList(1, 4)) {
                assertEquals(false, refused.get("ok"), out);
                assertEquals("permission-denied", refused.get("code"), out);
                assertTrue(((String) refused.get("error")).contains("uid 65534"), out);
            }
            assertEquals("running", tree.stateOf("x"), "the refused stop did nothing");
        } finally {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            for (Path p : List.of(dir, tree.state(), tree.runDir())) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
