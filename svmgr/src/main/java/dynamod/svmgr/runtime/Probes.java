package dynamod.svmgr.runtime;

import dynamod.conf.spec.Readiness;
import dynamod.journal.event.ExitStatus;
import dynamod.linux.Signals;
import dynamod.svmgr.core.Input;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Readiness probes that actively look: {@code tcp-port} (a connection to host:port, every interval, on a virtual
 * thread) and {@code exec} (the check command run as the service every interval, each run limited to the interval).
 * {@code notify} and {@code fd} need no probe: the notify socket and the log pump hear them. A probe reports once
 * and ends; {@link #stop} ends it early. Its owner is the loop thread (except the tcp connects).
 */
final class Probes {

    /** One running probe; a stale result (an older probe of the same service) is recognised by identity. */
    private static final class Probe {
        final String service;
        final int pid;
        volatile boolean cancelled;
        int checkPid = -1;

        Probe(String service, int pid) {
            this.service = service;
            this.pid = pid;
        }
    }

    private final Manager manager;
    private final Map<String, Probe> probes = new HashMap<>();

    Probes(Manager manager) {
        this.manager = manager;
    }

    void start(String service, int pid, Readiness readiness) {
        stop(service);
        switch (readiness) {
            case Readiness.TcpPort tcp -> {
                Probe p = new Probe(service, pid);
                probes.put(service, p);
                Thread.ofVirtual().name("probe-" + service).start(() -> tcpLoop(p, tcp));
            }
            case Readiness.Exec exec -> {
                Probe p = new Probe(service, pid);
                probes.put(service, p);
                runCheck(p, exec);
            }
            case Readiness.Immediate i -> {}
            case Readiness.Exit e -> {}
            case Readiness.Notify n -> {}
            case Readiness.Fd f -> {}
        }
    }

    void stop(String service) {
        Probe p = probes.remove(service);
        if (p == null) return;
        p.cancelled = true;
        if (p.checkPid > 0) signalGroup(p.checkPid, Signals.SIGKILL);
    }

    private void observed(Probe p, String detector) {
        if (p.cancelled || probes.get(p.service) != p) return;
        probes.remove(p.service);
        manager.process(new Input.ReadinessObserved(p.service, p.pid, detector));
    }

    // ---------------------------------------------------------------- tcp-port

    private void tcpLoop(Probe p, Readiness.TcpPort tcp) {
        long interval = Math.max(tcp.interval().toMillis(), 10);
        while (!p.cancelled) {
            if (connects(tcp.host(), tcp.port(), (int) Math.min(interval, 5000))) {
                manager.post(() -> observed(p, "tcp-port"));
                return;
            }
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Any address of the host (IPv4 or IPv6) that accepts a connection. */
    static boolean connects(String host, int port, int timeoutMillis) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host == null || host.isEmpty() ? "127.0.0.1" : host);
        } catch (IOException e) {
            return false;
        }
        for (InetAddress a : addresses) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(a, port), timeoutMillis);
                return true;
            } catch (IOException e) {
                // not yet
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- exec

    private void runCheck(Probe p, Readiness.Exec exec) {
        if (p.cancelled) return;
        int pid = manager.spawnCheck(p.service, exec.command());
        long interval = Math.max(exec.interval().toMillis(), 10);
        if (pid < 0) {
            again(p, exec, interval);
            return;
        }
        p.checkPid = pid;
        checks.put(pid, new Check(p, exec));
        // A check that runs longer than an interval is killed; its exit then counts as "not ready yet".
        manager.schedule(() -> {
            if (p.checkPid == pid) signalGroup(pid, Signals.SIGKILL);
        }, interval);
    }

    private record Check(Probe probe, Readiness.Exec exec) {}

    private final Map<Integer, Check> checks = new HashMap<>();

    /** A check command exited (the loop routes it here). */
    void checkExited(String service, int pid, ExitStatus status) {
        Check c = checks.remove(pid);
        if (c == null) return;
        Probe p = c.probe();
        if (p.checkPid == pid) p.checkPid = -1;
        if (status.success()) observed(p, "exec");
        else again(p, c.exec(), Math.max(c.exec().interval().toMillis(), 10));
    }

    private void again(Probe p, Readiness.Exec exec, long delayMillis) {
        if (p.cancelled) return;
        manager.schedule(() -> runCheck(p, exec), delayMillis);
    }

    private static void signalGroup(int pid, int signal) {
        try {
            dynamod.linux.Posix.kill(-pid, signal);
        } catch (IOException e) {
            // gone
        }
    }

    static long nanos(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
