package dynamod.init;

import dynamod.init.pid1.EmergencyShell;
import dynamod.init.pid1.Mode;
import dynamod.init.pid1.Pid1;
import dynamod.init.pid1.ProcessSweep;
import dynamod.init.pid1.SignalMeaning;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.linux.Signals;
import dynamod.linux.Spawn;
import dynamod.linux.UnixSockets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * dynamod-init's supervisor role (host mode, and PID 1 between its setup and its final shutdown, see
 * {@link dynamod.init.pid1.Pid1}): a child subreaper that
 * runs svmgr on a socketpair, restarts it with exponential back-off when it dies, kills and restarts it when its
 * heartbeat stops, reaps every orphan and reports the exits of adopted services to the current svmgr, and keeps the
 * fds svmgr stores (log pipes) so that they outlive it.
 *
 * <p>Everything happens on the main thread, fed by a queue: the reaper and the link reader only post what they saw.
 * Init has no journal of its own (it stays small): what it observes about svmgr goes to the next svmgr, which
 * records it.
 */
public final class Init {

    /** What the main thread reacts to. */
    private sealed interface Happening {
        record Reaped(Posix.Reaped process) implements Happening {}
        record Received(int generation, InitMessage message, int[] fds) implements Happening {}
        record LinkClosed(int generation) implements Happening {}
        record SignalCaught(int signal) implements Happening {}
    }

    /** How init was started: the supervisor loop is the same, what signals mean and what init may kill differ. */
    public sealed interface Role {
        /** {@code dynamod up}: a subreaper among the user's processes; SIGTERM and SIGINT stop the tree and exit. */
        record Host() implements Role {}

        /**
         * PID 1 of a machine or a container; {@code config} is {@code dynamod.config=} from the kernel command line
         * (handed to svmgr as its {@code --config}).
         */
        record Pid1(Mode mode, Optional<String> config) implements Role {}
    }

    /** How the supervisor loop ended: the kind svmgr finished (or was asked for), and whether it finished in time. */
    public record Outcome(String kind, boolean clean) {}

    private static final int MAX_HELD_EXITS = 65_536, MAX_STORED_FDS = 8_192;
    /** PID 1 starts an emergency shell when svmgr has failed this many times in a row. */
    private static final int FAILURES_BEFORE_EMERGENCY = 5;

    private final InitOptions options;
    private final Role role;
    private final LinkedBlockingQueue<Happening> queue = new LinkedBlockingQueue<>();
    private final Map<String, Integer> fdStore = new LinkedHashMap<>();
    private final ArrayDeque<InitMessage> heldBack = new ArrayDeque<>();
    /** Reports the current svmgr received but has not yet acknowledged (journaled), by sequence number. */
    private final LinkedHashMap<Long, InitMessage> unacked = new LinkedHashMap<>();
    private long reportSeq;
    private final int devNull;
    private final UUID bootId;

    private int generation;
    private int svmgrPid;
    private int linkFd = -1;
    private long startedAt;
    private long lastHeartbeat;
    private boolean heartbeatSeen;
    private Duration delay;
    private long restartAt;
    private String shutdownKind;
    private long shutdownStartedAt;
    private boolean shutdownSent;
    private String doneKind;
    private int interrupts;
    private boolean restartAtOnce;
    /** A second shutdown signal killed everything instead of letting svmgr finish. */
    private boolean forced;
    private int failuresInARow;
    private int emergencyShellPid;

    private Init(InitOptions options, Role role) throws IOException {
        this.options = options;
        this.role = role;
        this.delay = options.restartDelay();
        this.bootId = options.bootId().orElseGet(UUID::randomUUID);
        this.devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
    }

    public static void main(String[] args) {
        if (Posix.getpid() == 1) {
            Pid1.main(args); // does not return
            return;
        }
        InitOptions options;
        try {
            options = InitOptions.parse(args, false);
        } catch (IllegalArgumentException e) {
            System.err.println("dynamod-init: " + e.getMessage());
            System.err.println(InitOptions.USAGE);
            System.exit(2);
            return;
        }
        int code;
        try {
            Outcome outcome = new Init(options, new Role.Host()).run();
            ProcessSweep.endAll(false, options.killWait(), Init::say);
            say("stopped (" + outcome.kind() + ")");
            code = outcome.clean() ? 0 : 1;
        } catch (Throwable t) {
            say("cannot run: " + t);
            code = 1;
        }
        System.exit(code);
    }

    /**
     * PID 1's supervisor phase: runs svmgr until it has stopped everything (or the deadline passed). Signals arrive
     * through {@code signals}, which is given a way to post them (the real-time ones come from a signalfd).
     */
    public static Outcome supervise(InitOptions options, Role.Pid1 role, java.util.function.Consumer<java.util.function.IntConsumer> signals)
            throws IOException {
        Init init = new Init(options, role);
        signals.accept(signal -> init.queue.add(new Happening.SignalCaught(signal)));
        return init.run();
    }

    private Outcome run() throws IOException {
        if (role instanceof Role.Host) Posix.setChildSubreaper(); // PID 1 is every orphan's reaper anyway
        Path run = options.state().resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("init.pid"), Posix.getpid() + "\n");
        if (role instanceof Role.Host) {
            for (String name : List.of("TERM", "INT", "HUP")) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> queue.add(new Happening.SignalCaught(s.getNumber())));
            }
        }
        startReaper();
        spawnSvmgr();
        say("running (pid " + Posix.getpid() + ", state " + options.state() + ")");
        while (true) {
            Happening h;
            try {
                h = queue.poll(tick(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue;
            }
            try {
                if (h != null) handle(h);
                Outcome outcome = afterHappening();
                if (outcome != null) {
                    Files.deleteIfExists(run.resolve("init.pid"));
                    return outcome;
                }
            } catch (Throwable e) {
                // init must not die of anything: say it and go on with the next happening.
                say("error (ignored, init goes on): " + e);
            }
        }
    }

    private long tick() {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        if (svmgrPid == 0 && restartAt != 0) next = restartAt - now;
        if (svmgrPid != 0) next = Math.min(next, heartbeatDeadline() - now);
        if (shutdownKind != null) next = Math.min(next, shutdownStartedAt + options.shutdownDeadline().toNanos() - now);
        return Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(next) + 1, 1000));
    }

    private long heartbeatDeadline() {
        return heartbeatSeen
                ? lastHeartbeat + options.heartbeatTimeout().toNanos()
                : startedAt + options.firstHeartbeatTimeout().toNanos();
    }

    private void handle(Happening h) throws IOException {
        switch (h) {
            case Happening.Reaped r -> reaped(r.process());
            case Happening.Received r -> {
                if (r.generation() == generation) received(r.message(), r.fds());
                else closeAll(r.fds());
            }
            case Happening.LinkClosed c -> {
                // svmgr closed its end: it is exiting or gone; the reaper reports the exit.
            }
            case Happening.SignalCaught s -> signalled(s.signal());
        }
    }

    /** Timed duties after each happening; returns how it ended when init is done. */
    private Outcome afterHappening() throws IOException {
        long now = System.nanoTime();
        if (svmgrPid != 0 && now - heartbeatDeadline() > 0) {
            long silent = TimeUnit.NANOSECONDS.toMillis(now - (heartbeatSeen ? lastHeartbeat : startedAt));
            say("svmgr (pid " + svmgrPid + ") sent no heartbeat for " + silent + " ms: killing it");
            hold(InitMessage.of(InitMessage.MANAGER_HUNG, ++reportSeq, svmgrPid, silent));
            kill(svmgrPid, Signals.SIGKILL);
            lastHeartbeat = now; // the kill is under way; do not repeat it every tick
            heartbeatSeen = true;
        }
        if (svmgrPid == 0 && doneKind != null) return new Outcome(doneKind, !forced);
        if (shutdownKind != null && now - shutdownStartedAt > options.shutdownDeadline().toNanos()) {
            // svmgr could not finish the ordered stop in time (or kept dying): init ends it the hard way.
            say("the shutdown did not finish within " + options.shutdownDeadline().toMillis() + " ms: killing everything");
            if (svmgrPid != 0) kill(svmgrPid, Signals.SIGKILL);
            return new Outcome(shutdownKind, false);
        }
        if (svmgrPid == 0 && restartAt != 0 && now - restartAt >= 0) spawnSvmgr();
        return null;
    }

    private void reaped(Posix.Reaped p) throws IOException {
        if (p.pid() == emergencyShellPid) {
            emergencyShellPid = 0;
            say("the emergency shell ended (" + describe(p) + ")");
            return;
        }
        if (p.pid() != svmgrPid) {
            send(InitMessage.of(InitMessage.EXITED, ++reportSeq, p.pid(), Math.max(p.exitCode(), 0), p.signal(), p.coreDumped() ? 1 : 0));
            return;
        }
        long ranFor = System.nanoTime() - startedAt;
        svmgrPid = 0;
        closeLink();
        // What it did not acknowledge goes to the next svmgr first, in order.
        List<InitMessage> again = new ArrayList<>(unacked.values());
        unacked.clear();
        for (int i = again.size() - 1; i >= 0; i--) heldBack.addFirst(again.get(i));
        if (doneKind != null) return;
        if (ranFor >= options.stableAfter().toNanos()) {
            delay = options.restartDelay();
            failuresInARow = 0;
        } else if (!restartAtOnce) {
            failed("svmgr " + describe(p) + " " + (failuresInARow + 1) + " times in a row");
        }
        Duration wait = restartAtOnce ? Duration.ZERO : delay;
        restartAtOnce = false;
        say("svmgr (pid " + p.pid() + ") " + describe(p) + "; restarting it in " + wait.toMillis() + " ms");
        hold(InitMessage.of(InitMessage.MANAGER_EXITED, ++reportSeq, p.pid(), Math.max(p.exitCode(), 0), p.signal(),
                p.coreDumped() ? 1 : 0, wait.toMillis()));
        restartAt = System.nanoTime() + wait.toNanos();
        if (restartAt == 0) restartAt = 1;
        if (!wait.isZero()) delay = delay.multipliedBy(2).compareTo(options.restartMaxDelay()) > 0 ? options.restartMaxDelay() : delay.multipliedBy(2);
    }

    /** svmgr died young or could not start: PID 1 opens a shell on the console once that keeps happening. */
    private void failed(String what) {
        failuresInARow++;
        if (failuresInARow == FAILURES_BEFORE_EMERGENCY && role instanceof Role.Pid1) emergencyShell(what);
    }

    private void emergencyShell(String why) {
        if (emergencyShellPid != 0) {
            say("an emergency shell runs already (pid " + emergencyShellPid + ")");
            return;
        }
        emergencyShellPid = EmergencyShell.start(why, Init::say);
    }

    private void received(InitMessage m, int[] fds) {
        try {
            switch (m.verb()) {
                case InitMessage.HEARTBEAT -> {
                    lastHeartbeat = System.nanoTime();
                    heartbeatSeen = true;
                }
                case InitMessage.STORE -> {
                    if (fds.length != 1) throw new IllegalArgumentException("STORE needs exactly one fd, got " + fds.length);
                    Integer old = fdStore.remove(m.arg(0));
                    if (old != null) Posix.closeQuietly(old);
                    if (fdStore.size() >= MAX_STORED_FDS) throw new IllegalArgumentException("fd store full (" + MAX_STORED_FDS + ")");
                    fdStore.put(m.arg(0), fds[0]);
                    fds = new int[0];
                }
                case InitMessage.ACK -> unacked.remove(m.longArg(0));
                case InitMessage.DROP -> {
                    Integer old = fdStore.remove(m.arg(0));
                    if (old != null) Posix.closeQuietly(old);
                }
                case InitMessage.DONE -> doneKind = m.arg(0);
                default -> throw new IllegalArgumentException("unknown message " + m.verb());
            }
        } catch (IllegalArgumentException e) {
            say("bad message from svmgr (" + m + "): " + e.getMessage());
        } finally {
            closeAll(fds);
        }
    }

    private void signalled(int signal) {
        String name = Signals.name(signal);
        SignalMeaning meaning = switch (role) {
            // host mode: a closed terminal (SIGHUP) is no reason to stop the services
            case Role.Host h -> signal == Signals.SIGHUP ? new SignalMeaning.Ignore() : new SignalMeaning.Shutdown("exit");
            case Role.Pid1 p -> SignalMeaning.of(signal, p.mode());
        };
        switch (meaning) {
            case SignalMeaning.Ignore i -> say(name + ": ignored");
            case SignalMeaning.EmergencyShell e -> emergencyShell(name + " asked for it");
            case SignalMeaning.RestartManager r -> {
                if (svmgrPid == 0 || shutdownKind != null) return;
                say(name + ": restarting svmgr (pid " + svmgrPid + ") now; the services go on running");
                restartAtOnce = true;
                kill(svmgrPid, Signals.SIGKILL);
            }
            case SignalMeaning.Shutdown s -> shutdown(name, s.kind());
        }
    }

    private void shutdown(String name, String kind) {
        interrupts++;
        if (interrupts > 1) {
            say(name + " again: killing everything now (" + kind + ")");
            if (svmgrPid != 0) kill(svmgrPid, Signals.SIGKILL);
            ProcessSweep.endAll(role instanceof Role.Pid1, Duration.ZERO, Init::say);
            doneKind = kind;
            forced = true;
            return;
        }
        say(name + ": " + kind + " - stopping every service (" + name + " again to kill them at once)");
        shutdownKind = kind;
        shutdownStartedAt = System.nanoTime();
        if (svmgrPid == 0) restartAt = 1; // start svmgr at once: it runs the ordered stop
        else sendShutdown();
    }

    private void sendShutdown() {
        if (shutdownKind != null && !shutdownSent && linkFd >= 0) {
            shutdownSent = send(InitMessage.of(InitMessage.SHUTDOWN, shutdownKind));
        }
    }

    private void spawnSvmgr() throws IOException {
        restartAt = 0;
        List<String> argv;
        try {
            argv = new ArrayList<>(options.currentSvmgrCommand());
        } catch (IOException e) {
            say("cannot start svmgr: " + e.getMessage() + "; trying again in " + delay.toMillis() + " ms");
            failed("svmgr could not be started " + (failuresInARow + 1) + " times in a row: " + e.getMessage());
            restartAt = System.nanoTime() + delay.toNanos();
            delay = delay.multipliedBy(2).compareTo(options.restartMaxDelay()) > 0 ? options.restartMaxDelay() : delay.multipliedBy(2);
            return;
        }
        if (role instanceof Role.Pid1 p && p.config().isPresent()) argv.addAll(List.of("--config", p.config().get()));
        int[] pair = UnixSockets.socketPair(true);
        generation++;
        argv.addAll(List.of("--init-fd", "3", "--generation", String.valueOf(generation), "--boot-id", bootId.toString()));
        List<String> env = new ArrayList<>();
        System.getenv().forEach((k, v) -> env.add(k + "=" + v));
        try {
            svmgrPid = Spawn.spawn(argv.getFirst(), argv, env, Map.of(0, devNull, 1, 1, 2, 2, 3, pair[1]), false);
        } catch (LinuxException e) {
            Posix.close(pair[0]);
            Posix.close(pair[1]);
            say("cannot start svmgr (" + argv.getFirst() + "): " + e.getMessage() + "; trying again in " + delay.toMillis() + " ms");
            failed("svmgr could not be started " + (failuresInARow + 1) + " times in a row: " + e.getMessage());
            restartAt = System.nanoTime() + delay.toNanos();
            delay = delay.multipliedBy(2).compareTo(options.restartMaxDelay()) > 0 ? options.restartMaxDelay() : delay.multipliedBy(2);
            return;
        }
        Posix.close(pair[1]);
        linkFd = pair[0];
        startedAt = System.nanoTime();
        heartbeatSeen = false;
        shutdownSent = false;
        startLinkReader(generation, linkFd);
        // What the new svmgr must know before it reconciles: the stored fds, the exits it missed, then SYNC.
        for (var stored : fdStore.entrySet()) {
            sendWithFd(InitMessage.of(InitMessage.FD, stored.getKey()), stored.getValue());
        }
        while (!heldBack.isEmpty()) {
            if (!sendNow(heldBack.peekFirst())) break;
            heldBack.pollFirst();
        }
        sendNow(InitMessage.of(InitMessage.SYNC));
        sendShutdown();
    }

    /** Sends now if svmgr is connected, else keeps it for the next one. */
    private boolean send(InitMessage m) {
        if (linkFd >= 0 && sendNow(m)) return true;
        hold(m);
        return false;
    }

    private void hold(InitMessage m) {
        if (heldBack.size() >= MAX_HELD_EXITS) heldBack.pollFirst();
        heldBack.addLast(m);
    }

    private boolean sendNow(InitMessage m) {
        if (linkFd < 0) return false;
        try {
            UnixSockets.sendWithFds(linkFd, m.encode(), new int[0]);
            if (m.isReport()) {
                unacked.put(m.longArg(0), m);
                if (unacked.size() > MAX_HELD_EXITS) unacked.pollFirstEntry(); // bounded, even if svmgr never answers
            }
            return true;
        } catch (LinuxException e) {
            return false;
        }
    }

    private void sendWithFd(InitMessage m, int fd) {
        try {
            UnixSockets.sendWithFds(linkFd, m.encode(), new int[] {fd});
        } catch (LinuxException e) {
            say("cannot hand fd " + m.arg(0) + " to svmgr: " + e.getMessage());
        }
    }

    private void closeLink() {
        if (linkFd >= 0) {
            Posix.closeQuietly(linkFd);
            linkFd = -1;
        }
    }

    private void startReaper() {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Posix.Reaped r = Posix.waitAny(true);
                    if (r != null) queue.add(new Happening.Reaped(r));
                    else Thread.sleep(20); // no children for a moment (svmgr between restarts)
                } catch (Throwable e) {
                    say("reaper: " + e);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ignored) {
                        // keep reaping
                    }
                }
            }
        }, "reaper");
        t.setDaemon(true);
        t.start();
    }

    private void startLinkReader(int gen, int fd) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    UnixSockets.Message m = UnixSockets.receiveWithFds(fd, InitMessage.MAX_BYTES);
                    if (m.length() == 0 && m.fds().length == 0) break;
                    try {
                        queue.add(new Happening.Received(gen, InitMessage.decode(m.data(), m.length()), m.fds()));
                    } catch (IllegalArgumentException e) {
                        closeAll(m.fds());
                        say("bad message from svmgr: " + e.getMessage());
                    }
                }
            } catch (Throwable e) {
                // the link closed under us (svmgr died, or we closed it)
            }
            queue.add(new Happening.LinkClosed(gen));
        }, "link-" + gen);
        t.setDaemon(true);
        t.start();
    }

    /** "exited with code 3", "was killed by SIGKILL": how a child of init ended, in init's words. */
    public static String describe(Posix.Reaped p) {
        return p.signalled() ? "was killed by " + Signals.name(p.signal()) : "exited with code " + p.exitCode();
    }

    private static void kill(int pid, int signal) {
        try {
            Posix.kill(pid, signal);
        } catch (LinuxException e) {
            // already gone
        }
    }

    private static void closeAll(int[] fds) {
        for (int fd : fds) Posix.closeQuietly(fd);
    }


    static void say(String text) {
        System.err.println("dynamod-init: " + text);
        System.err.flush();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
