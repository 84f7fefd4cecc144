package dynamod.svmgr.runtime;

import static dynamod.svmgr.runtime.EndToEnd.await;
import static dynamod.svmgr.runtime.EndToEnd.eventsOf;
import static dynamod.svmgr.runtime.EndToEnd.sh;
import static dynamod.svmgr.runtime.EndToEnd.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.NotifyEvent.ReadinessTimedOut;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every readiness type against real processes, in one tree: none, notify, tcp-port (IPv4 and IPv6 loopback), exec,
 * fd (3 and 5), and a readiness timeout that goes through the restart policy.
 */
class ReadinessTest {

    /** A listener that starts listening once its gate file exists: {@code perl -e SCRIPT GATE HOST PORT}. */
    private static final String LISTENER = "until (-e $ARGV[0]) { select(undef, undef, undef, 0.02) } "
            + "my $s = IO::Socket::IP->new(LocalHost => $ARGV[1], LocalPort => $ARGV[2], Listen => 5, ReuseAddr => 1) "
            + "or die \"listen: $@\"; $| = 1; print \"listening on $ARGV[1]\\n\"; while (my $c = $s->accept) { close $c }";

    @TempDir
    static Path dir;

    static HostTree tree;
    static Path work;
    static boolean ipv6;
    static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        Path config = HostTree.config(dir);
        work = Files.createDirectories(dir.resolve("work"));
        ipv6 = ipv6Loopback();
        closedPort = freePort("127.0.0.1");
        HostTree.service(config, "none", sh("exec sleep 600") + "[readiness]\ntype = \"none\"\n");
        HostTree.service(config, "notify", sh(gate("notify") + "systemd-notify --ready; exec sleep 600") + "[readiness]\ntype = \"notify\"\n");
        HostTree.service(config, "tcp4", listener("tcp4", "127.0.0.1", freePort("127.0.0.1")));
        if (ipv6) HostTree.service(config, "tcp6", listener("tcp6", "::1", freePort("::1")));
        HostTree.service(config, "exec", sh("exec sleep 600") + "[readiness]\ntype = \"exec\"\ninterval = \"50ms\"\n"
                + "check-exec = [\"sh\", \"-c\", " + str("echo check >> " + work.resolve("exec-checks") + "; test -e " + work.resolve("exec-gate")) + "]\n");
        HostTree.service(config, "fd3", sh(gate("fd3") + "echo fd=$DYNAMOD_READY_FD; echo >&3; exec sleep 600") + "[readiness]\ntype = \"fd\"\n");
        HostTree.service(config, "fd5", sh(gate("fd5") + "echo fd=$DYNAMOD_READY_FD; echo >&5; exec sleep 600")
                + "[readiness]\ntype = \"fd\"\nfd = 5\n");
        HostTree.service(config, "slow", sh("exec sleep 600") + "[readiness]\ntype = \"tcp-port\"\nport = " + closedPort
                + "\ninterval = \"50ms\"\ntimeout = \"300ms\"\n[restart]\ndelay = \"100ms\"\nmax-restarts = 1\n");
        tree = HostTree.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tree != null) tree.close();
    }

    private static String gate(String name) {
        return EndToEnd.gate(work, name);
    }

    private static String listener(String name, String host, int port) {
        return "exec = [\"perl\", \"-MIO::Socket::IP\", \"-e\", " + str(LISTENER) + ", " + str(work.resolve(name + "-gate").toString())
                + ", " + str(host) + ", \"" + port + "\"]\n[readiness]\ntype = \"tcp-port\"\nhost = " + str(host) + "\nport = " + port
                + "\ninterval = \"50ms\"\n";
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return s.getLocalPort();
        }
    }

    private static boolean ipv6Loopback() {
        try {
            freePort("::1");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The process runs and the service stays starting (not ready) for a while. */
    private static void staysStarting(String service) {
        await().until(() -> tree.pidOf(service) != 0);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> "starting".equals(tree.stateOf(service)));
    }

    /** Opens the gate, then the service becomes running, seen by {@code detector}, exactly once, for its process. */
    private static void readyAfterGate(String service, String detector) throws Exception {
        staysStarting(service);
        assertTrue(eventsOf(tree, service, ServiceReady.class).isEmpty());
        Files.writeString(work.resolve(service + "-gate"), "");
        tree.awaitState(service, "running");
        List<ServiceReady> ready = eventsOf(tree, service, ServiceReady.class);
        assertEquals(1, ready.size(), ready.toString());
        assertEquals(detector, ready.getFirst().detector());
        assertEquals(tree.pidOf(service), ready.getFirst().pid());
        assertEquals(1, eventsOf(tree, service, ServiceSpawned.class).size(), "started once, never restarted");
    }

    @Test
    void noneIsReadyWhenSpawned() throws Exception {
        tree.awaitState("none", "running");
        List<ServiceReady> ready = eventsOf(tree, "none", ServiceReady.class);
        assertEquals(1, ready.size());
        assertEquals("spawn", ready.getFirst().detector());
        assertEquals(tree.pidOf("none"), ready.getFirst().pid());
    }

    @Test
    void notifyOnASimpleServiceWaitsForReadyOne() throws Exception {
        readyAfterGate("notify", "notify");
    }

    @Test
    void tcpPortOnIpv4LoopbackIsReadyOnceTheServiceListens() throws Exception {
        readyAfterGate("tcp4", "tcp-port");
        await().until(() -> EndToEnd.lines(tree, "tcp4").contains("listening on 127.0.0.1"));
    }

    @Test
    void tcpPortOnIpv6LoopbackIsReadyOnceTheServiceListens() throws Exception {
        Assumptions.assumeTrue(ipv6, "no IPv6 loopback here");
        readyAfterGate("tcp6", "tcp-port");
        await().until(() -> EndToEnd.lines(tree, "tcp6").contains("listening on ::1"));
    }

    @Test
    void execIsReadyWhenTheCheckSucceeds() throws Exception {
        await().until(() -> Files.exists(work.resolve("exec-checks")) && Files.readAllLines(work.resolve("exec-checks")).size() >= 3);
        assertEquals("starting", tree.stateOf("exec"), "three failed checks: not ready");
        readyAfterGate("exec", "exec");
        long checks = Files.readAllLines(work.resolve("exec-checks")).size();
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5))
                .until(() -> Files.readAllLines(work.resolve("exec-checks")).size() == checks);
    }

    @Test
    void fdThreeIsReadyOnANewline() throws Exception {
        readyAfterGate("fd3", "fd");
        await().until(() -> EndToEnd.lines(tree, "fd3").contains("fd=3"));
    }

    @Test
    void fdFiveIsReadyOnANewline() throws Exception {
        readyAfterGate("fd5", "fd");
        await().until(() -> EndToEnd.lines(tree, "fd5").contains("fd=5"));
    }

    @Test
    void aReadinessTimeoutFailsTheStartAndGoesThroughTheRestartPolicy() throws Exception {
        tree.awaitState("slow", "failed");
        List<ReadinessTimedOut> timeouts = eventsOf(tree, "slow", ReadinessTimedOut.class);
        assertEquals(2, timeouts.size(), "the first start and one restart (max-restarts = 1): " + timeouts);
        timeouts.forEach(t -> {
            assertEquals("tcp-port", t.detector());
            assertEquals(300, t.timeoutMillis());
        });
        List<ServiceSpawned> spawns = eventsOf(tree, "slow", ServiceSpawned.class);
        assertEquals(2, spawns.size());
        assertNotEquals(spawns.get(0).pid(), spawns.get(1).pid());
        assertEquals(spawns.get(0).pid(), timeouts.get(0).pid());
        assertEquals(spawns.get(1).pid(), timeouts.get(1).pid());
        // Each timed-out process was stopped (SIGTERM), not left behind.
        List<ServiceExited> exits = eventsOf(tree, "slow", ServiceExited.class);
        assertEquals(List.of(spawns.get(0).pid(), spawns.get(1).pid()), exits.stream().map(ServiceExited::pid).toList());
        exits.forEach(e -> assertEquals(15, e.status().signal(), e.toString()));
        assertTrue(eventsOf(tree, "slow", ServiceReady.class).isEmpty());
        List<ServiceStateChanged> changes = eventsOf(tree, "slow", ServiceStateChanged.class);
        assertTrue(changes.stream().anyMatch(c -> c.to() == ServiceState.WAITING || c.from() == ServiceState.STOPPING), changes.toString());
        ServiceStateChanged last = changes.getLast();
        assertEquals(ServiceState.FAILED, last.to());
        assertTrue(last.reason().contains("not ready within"), last.reason());
        assertEquals(0, tree.pidOf("slow"));
    }
}
