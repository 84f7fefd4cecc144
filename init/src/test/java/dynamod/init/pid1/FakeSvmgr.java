package dynamod.init.pid1;

import dynamod.init.InitMessage;
import dynamod.linux.Posix;
import dynamod.linux.Signals;
import dynamod.linux.Spawn;
import dynamod.linux.UnixSockets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for svmgr on init's link (fd 3): heartbeats, one "service" (a shell whose SIGTERM trap prints
 * {@code service stopped by SIGTERM}), one orphan for init to reap (a shell whose background sleep outlives it), and
 * the ordered stop when init sends SHUTDOWN: SIGTERM to the service, its exit awaited, then DONE. Everything it
 * receives is printed ({@code fake got: ...}). {@code stuck} as its first argument: it
 * never answers SHUTDOWN. {@code stubborn}: it also leaves a process behind that ignores SIGTERM.
 */
public final class FakeSvmgr {

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "normal";
        int fd = 3;
        say("started (pid " + Posix.getpid() + ", " + mode + ")");
        // What init handed over at exec: the mask of the thread that exec'd (the process's first thread keeps it)
        // and the open fds (the JVM's own are files and pipes; none may be init's signalfd or its other link ends).
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("SigBlk:")) say("sigblk " + line.substring(7).strip());
        }
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            StringBuilder targets = new StringBuilder();
            for (var f : fds.sorted().toList()) {
                try {
                    targets.append(' ').append(f.getFileName()).append('=').append(java.nio.file.Files.readSymbolicLink(f));
                } catch (java.io.IOException e) {
                    // the directory's own fd, closed by now
                }
            }
            say("fds" + targets);
        }
        Thread heartbeat = new Thread(() -> {
            while (true) {
                try {
                    UnixSockets.sendWithFds(fd, InitMessage.of(InitMessage.HEARTBEAT).encode(), new int[0]);
                    Thread.sleep(300);
                } catch (Exception e) {
                    return;
                }
            }
        });
        heartbeat.setDaemon(true);
        heartbeat.start();
        CountDownLatch serviceExited = new CountDownLatch(1);
        AtomicInteger servicePid = new AtomicInteger();
        Thread reaper = new Thread(() -> {
            while (true) {
                try {
                    Posix.Reaped r = Posix.waitAny(true);
                    if (r == null) Thread.sleep(50);
                    else if (r.pid() == servicePid.get()) serviceExited.countDown();
                } catch (Exception e) {
                    return;
                }
            }
        });
        reaper.setDaemon(true);
        reaper.start();
        Map<Integer, Integer> stdio = Map.of(0, 0, 1, 1, 2, 2);
        List<String> env = List.of("PATH=/usr/bin:/bin");
        int service = Spawn.spawn("/bin/sh", List.of("sh", "-c", "trap 'echo service stopped by SIGTERM; exit 0' TERM; sleep 1000 & wait"),
                env, stdio, true);
        servicePid.set(service);
        say("service " + service);
        Spawn.spawn("/bin/sh", List.of("sh", "-c", "sleep 0.5 & echo orphan $!"), env, stdio, true);
        if (mode.equals("stubborn")) {
            Spawn.spawn("/bin/sh", List.of("sh", "-c", "trap '' TERM; (trap '' TERM; exec sleep 1000) & echo stubborn $!"),
                    env, stdio, true);
        }
        while (true) {
            UnixSockets.Message m = UnixSockets.receiveWithFds(fd, InitMessage.MAX_BYTES);
            if (m.length() == 0) return;
            InitMessage message = InitMessage.decode(m.data(), m.length());
            say("got: " + message);
            if (message.isReport()) UnixSockets.sendWithFds(fd, InitMessage.of(InitMessage.ACK, message.arg(0)).encode(), new int[0]);
            if (message.verb().equals(InitMessage.SHUTDOWN) && !mode.equals("stuck")) {
                Posix.kill(service, Signals.SIGTERM);
                if (!serviceExited.await(30, TimeUnit.SECONDS)) say("the service did not stop");
                say("stopped the service for " + message.arg(0));
                UnixSockets.sendWithFds(fd, InitMessage.of(InitMessage.DONE, message.arg(0)).encode(), new int[0]);
                System.exit(0);
            }
        }
    }

    private static void say(String s) {
        System.out.println("fake " + s);
        System.out.flush();
    }
}
