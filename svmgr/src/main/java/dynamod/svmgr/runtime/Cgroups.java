package dynamod.svmgr.runtime;

import dynamod.conf.spec.CgroupLimits;
import dynamod.journal.event.ServiceEvent.OomVictim;
import dynamod.linux.Errno;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.linux.Signals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The services' cgroups on the machine (the layout and the file values are {@link CgroupPlan}'s): set up once at
 * start, a group made and its limits written before each spawn (the exec helper joins it before anything else),
 * limits rewritten by a reload, the whole group killed at a stop, an emptied group removed. One thread waits in
 * poll(2) on each group's {@code memory.events} and {@code cgroup.events} (kernfs wakes POLLPRI when they change:
 * no busy polling) and reports OOM kills and emptied groups to the listener.
 *
 * <p>Unavailable — no cgroup2 at /sys/fs/cgroup (a v1 host), not root, or a base cgroup that cannot enable
 * controllers — it says why once; the spawner then refuses or skips each service's limits by its isolation policy.
 * All methods but {@link #stats} run on the manager's loop thread.
 */
final class Cgroups {

    /** What the watcher sees, on its own thread. */
    interface Listener {
        /** The service's memory.events changed: {@link #newOomKills} tells whether the OOM killer acted. */
        void memoryEvents(String service);

        /** The service's group has no process left (cgroup.events populated 0). */
        void emptied(String service);
    }

    /** A write the kernel refused, or a file that is not there: which file, the errno, why. */
    static final class CgroupException extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        CgroupException(String message, int errno) {
            super(message);
            this.errno = errno;
        }
    }

    /**
     * OOM kills in a group that the manager had not seen: how many new, how many since the group was made, and the
     * victims the kernel's log named (fewer, or none, when it did not: {@link KernelOomLog}).
     */
    record OomKills(long added, long total, List<OomVictim> victims) {}

    /** The current values for {@code status}: bytes, tasks, CPU microseconds (empty where a file is missing). */
    record Stats(OptionalLong memoryCurrent, OptionalLong pidsCurrent, OptionalLong cpuUsageMicros) {}

    private final CgroupPlan plan;
    /** The controllers every group gets ({@link CgroupPlan#ACCOUNTING}; none in a test on a controller-less mount). */
    private final Set<String> accounting;
    private final String unavailable;
    private final Listener listener;
    /** Controllers on in system.slice's subtree_control (the base's too). */
    private final Set<String> enabled = new TreeSet<>();
    /** The limits each live group was last given. */
    private final Map<String, CgroupLimits> applied = new HashMap<>();
    /** The groups the watcher watches (a new watch reads the OOM count afresh: only for a group it does not know). */
    private final Set<String> watching = new HashSet<>();
    /** memory.events' oom_kill of each live group as last seen. */
    private final Map<String, Long> oomSeen = new HashMap<>();
    private final Watcher watcher;
    /** Where the kernel names the OOM killer's victims; opened once the groups are set up. */
    private KernelOomLog kernelLog;

    private Cgroups(CgroupPlan plan, Set<String> accounting, String unavailable, Listener listener) {
        this.plan = plan;
        this.accounting = accounting;
        this.unavailable = unavailable;
        this.listener = listener;
        this.watcher = plan == null ? null : new Watcher();
    }

    /** Cgroups that are not there, for this reason. */
    static Cgroups unavailable(String why) {
        return new Cgroups(null, Set.of(), why, null);
    }

    /**
     * Sets up the layout under {@code mount} (normally /sys/fs/cgroup) for a manager whose {@code /proc/self/cgroup}
     * reads {@code ownCgroup}: moves the manager into its scope, makes system.slice and enables the accounting
     * controllers. Any failure makes it unavailable, with the reason.
     */
    static Cgroups open(Path mount, String procSelfCgroup, boolean root, Listener listener) {
        return open(mount, procSelfCgroup, root, CgroupPlan.ACCOUNTING, listener);
    }

    static Cgroups open(Path mount, String procSelfCgroup, boolean root, Set<String> accounting, Listener listener) {
        if (!root) return unavailable("the manager does not run as root");
        if (!Files.isRegularFile(mount.resolve("cgroup.controllers"))) {
            return unavailable("no cgroup v2 hierarchy at " + mount + " (cgroup v1 or none)");
        }
        Optional<String> own = CgroupPlan.unifiedPath(procSelfCgroup);
        if (own.isEmpty()) return unavailable("no cgroup v2 line in /proc/self/cgroup");
        CgroupPlan plan = new CgroupPlan(mount, CgroupPlan.baseOf(own.get()));
        Cgroups cgroups = new Cgroups(plan, Set.copyOf(accounting), null, listener);
        try {
            Set<String> missing = CgroupPlan.missing(accounting, read(plan.baseDir().resolve("cgroup.controllers")));
            if (!missing.isEmpty()) throw new CgroupException("controllers " + missing + " are not available in " + plan.baseDir(), 0);
            Path scope = cgroups.mkdirs(plan.manager());
            write(scope.resolve("cgroup.procs"), String.valueOf(Posix.getpid()));
            cgroups.mkdirs(plan.servicesSlice());
            cgroups.enable(accounting);
        } catch (CgroupException e) {
            return unavailable(e.getMessage());
        }
        cgroups.kernelLog = KernelOomLog.open(KernelOomLog.DEVICE);
        cgroups.watcher.start();
        return cgroups;
    }

    /** Why cgroups are not used, if they are not. */
    Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    boolean available() {
        return plan != null;
    }

    /** Why OOM kills are counted but their victims not named (the kernel's log cannot be read), if so. */
    Optional<String> oomVictimsUnavailableReason() {
        return available() ? kernelLog.unavailableReason() : Optional.empty();
    }

    /** Where the services' groups are (only when available). */
    String describe() {
        return plan.dir(plan.servicesSlice()).toString();
    }

    /** The service's group directory. */
    Path dir(String service) {
        return plan.dir(plan.service(service + ".service"));
    }

    /**
     * The service's group, made ready for a process to join it: created, the controllers its limits need enabled on
     * the parents, and (for the main process) its limits written. Returns the directory for the helper's --cgroup.
     */
    Path prepare(String service, CgroupLimits limits, boolean writeLimits) throws CgroupException {
        Path dir = dir(service);
        boolean made = !Files.isDirectory(dir);
        if (made) mkdirs(plan.service(service + ".service"));
        if (made) oomSeen.put(service, 0L);
        if (writeLimits || made) apply(service, limits);
        if (watching.add(service) || made) watcher.watch(service, dir);
        return dir;
    }

    /**
     * A running service's group that the last svmgr made (a restart adopts the process): watched again, its limits
     * taken as the ones its spec gave (the last svmgr wrote them), so that a reload and the removal go on from there.
     */
    void adopt(String service, CgroupLimits limits) {
        if (!available() || !Files.isDirectory(dir(service))) return;
        applied.put(service, limits);
        oomSeen.put(service, oomKillCount(service).orElse(0));
        watching.add(service);
        watcher.watch(service, dir(service));
    }

    /** A reload's new limits for a running service: written now; a refused value is an error and the old ones stay. */
    void update(String service, CgroupLimits limits) throws CgroupException {
        CgroupLimits old = applied.get(service);
        if (!Files.isDirectory(dir(service)) || limits.equals(old)) return;
        try {
            apply(service, limits);
        } catch (CgroupException refused) {
            try {
                if (old != null) apply(service, old); // the files written before the refused one get their values back
            } catch (CgroupException e) {
                refused.addSuppressed(e);
            }
            throw refused;
        }
    }

    /** The services whose groups are live, with the limits they were given. */
    Map<String, CgroupLimits> applied() {
        return Map.copyOf(applied);
    }

    private void apply(String service, CgroupLimits limits) throws CgroupException {
        Set<String> needed = new TreeSet<>(accounting);
        needed.addAll(CgroupPlan.controllers(limits));
        enable(needed);
        Path dir = dir(service);
        for (var file : CgroupPlan.files(limits, enabled).entrySet()) {
            write(dir.resolve(file.getKey()), file.getValue());
        }
        applied.put(service, limits);
    }

    /** Turns controllers on in the base's and system.slice's subtree_control (only the parents: never a leaf's). */
    private void enable(Set<String> controllers) throws CgroupException {
        if (enabled.containsAll(controllers) || controllers.isEmpty()) return;
        Set<String> missing = CgroupPlan.missing(controllers, read(plan.baseDir().resolve("cgroup.controllers")));
        if (!missing.isEmpty()) {
            throw new CgroupException("controllers " + missing + " are not available in " + plan.baseDir() + "/cgroup.controllers", Errno.ENOENT);
        }
        for (Path parent : List.of(plan.baseDir(), plan.dir(plan.servicesSlice()))) {
            Path control = parent.resolve("cgroup.subtree_control");
            String line = CgroupPlan.enabling(controllers, read(control));
            if (!line.isEmpty()) write(control, line);
        }
        enabled.addAll(controllers);
    }

    /** The pids in the service's group (empty when it has none). */
    List<Integer> pids(String service) {
        try {
            return CgroupPlan.pids(Files.readString(dir(service).resolve("cgroup.procs")));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** Whether the service's group exists and holds a process. */
    boolean populated(String service) {
        return available() && !pids(service).isEmpty();
    }

    /**
     * Kills every process of the service's group: cgroup.kill (Linux 5.14), else SIGKILL to each pid it lists, until
     * none is left (a fork racing the kill is found in the next round). Returns whether there was a group.
     */
    boolean kill(String service) {
        if (!available()) return false;
        Path dir = dir(service);
        if (!Files.isDirectory(dir)) return false;
        Path kill = dir.resolve("cgroup.kill");
        if (Files.exists(kill)) {
            try {
                write(kill, "1");
                return true;
            } catch (CgroupException e) {
                // fall through to the signals
            }
        }
        for (int round = 0; round < 10; round++) {
            List<Integer> pids = pids(service);
            if (pids.isEmpty()) break;
            for (int pid : pids) signalQuietly(pid, Signals.SIGKILL);
        }
        return true;
    }

    /** A signal to every process of the service's group; false when it has none (the caller signals as without). */
    boolean signal(String service, int signal) {
        if (signal == Signals.SIGKILL) return kill(service);
        List<Integer> pids = available() ? pids(service) : List.of();
        if (pids.isEmpty()) return false;
        for (int pid : pids) {
            signalQuietly(pid, signal);
            if (signal != Signals.SIGCONT) signalQuietly(pid, Signals.SIGCONT);
        }
        return true;
    }

    /** Removes the service's group once it is empty; a group with processes stays (its emptying calls again). */
    void removeIfEmpty(String service) {
        if (!available()) return;
        Path dir = dir(service);
        if (!Files.isDirectory(dir) || !pids(service).isEmpty()) return;
        try {
            Files.delete(dir); // the watcher's open files do not keep a cgroup
            applied.remove(service);
            oomSeen.remove(service);
            kernelLog.forget(plan.service(service + ".service"));
            watching.remove(service);
            watcher.unwatch(service);
        } catch (IOException e) {
            // EBUSY: a process joined meanwhile (a restart): the group stays with it
        }
    }

    /**
     * The OOM killer's kills in the service's group since the last call (read from memory.events now), with the victims
     * the kernel's log names: asked when the watcher says the file changed, and before a main process's exit is
     * reported, so the kill comes first. The kernel logs its report before it counts the kill, so it is there.
     */
    Optional<OomKills> newOomKills(String service) {
        if (!available()) return Optional.empty();
        OptionalLong total = oomKillCount(service);
        long seen = oomSeen.getOrDefault(service, 0L);
        if (total.isEmpty() || total.getAsLong() <= seen) return Optional.empty();
        oomSeen.put(service, total.getAsLong());
        return Optional.of(new OomKills(total.getAsLong() - seen, total.getAsLong(), kernelLog.victims(plan.service(service + ".service"))));
    }

    private OptionalLong oomKillCount(String service) {
        return text(dir(service).resolve("memory.events")).map(t -> CgroupPlan.key(t, "oom_kill")).orElse(OptionalLong.empty());
    }

    /** memory.current, pids.current and cpu.stat's usage_usec of the service's group; any thread. */
    Optional<Stats> stats(String service) {
        if (!available()) return Optional.empty();
        Path dir = dir(service);
        if (!Files.isDirectory(dir)) return Optional.empty();
        return Optional.of(new Stats(number(dir.resolve("memory.current")), number(dir.resolve("pids.current")),
                text(dir.resolve("cpu.stat")).map(t -> CgroupPlan.key(t, "usage_usec")).orElse(OptionalLong.empty())));
    }

    private static OptionalLong number(Path file) {
        return text(file).map(t -> {
            try {
                return OptionalLong.of(Long.parseLong(t.strip()));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }).orElse(OptionalLong.empty());
    }

    private static Optional<String> text(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- file system

    private Path mkdirs(String cgroupPath) throws CgroupException {
        Path dir = plan.dir(cgroupPath);
        try {
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new CgroupException("mkdir " + dir + ": " + e.getMessage(), 0);
        }
    }

    private static String read(Path file) throws CgroupException {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new CgroupException("read " + file + ": " + e.getMessage(), Errno.ENOENT);
        }
    }

    /** One write(2) of the value, so that the kernel's errno for it is what the error says. */
    static void write(Path file, String value) throws CgroupException {
        int fd;
        try {
            fd = Posix.open(file.toString(), Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
        } catch (LinuxException e) {
            throw new CgroupException(file + ": " + Errno.describe(e.errno()) + " (" + e.errnoName() + ")", e.errno());
        }
        try {
            byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
            Posix.write(fd, bytes, 0, bytes.length);
        } catch (LinuxException e) {
            throw new CgroupException(file + " = \"" + value + "\": " + Errno.describe(e.errno()) + " (" + e.errnoName() + ")", e.errno());
        } finally {
            Posix.closeQuietly(fd);
        }
    }

    private static void signalQuietly(int pid, int signal) {
        try {
            Posix.kill(pid, signal);
        } catch (LinuxException e) {
            // gone already
        }
    }

    // ---------------------------------------------------------------- the watcher

    /**
     * One thread in poll(2) on every group's memory.events and cgroup.events (POLLPRI: kernfs signals a change of a
     * file since it was last read); a pipe wakes it when a group is added or removed. Its fds are opened and closed
     * on its own thread only, so none is closed under its poll.
     */
    private final class Watcher {
        private record Change(String service, Path dir) {}

        private final ConcurrentLinkedQueue<Change> changes = new ConcurrentLinkedQueue<>();
        private int[] wake;

        void start() {
            try {
                wake = Posix.pipe();
                Posix.setNonBlocking(wake[0], true);
                Posix.setNonBlocking(wake[1], true);
            } catch (LinuxException e) {
                Manager.say("cgroups: no watcher for OOM kills (" + e.getMessage() + ")");
                return;
            }
            Thread t = new Thread(this::run, "cgroup-watcher");
            t.setDaemon(true);
            t.start();
        }

        /** Watches the service's group afresh (each spawn: the group may be a new one with the same path). */
        void watch(String service, Path dir) {
            request(new Change(service, dir));
        }

        void unwatch(String service) {
            request(new Change(service, null));
        }

        private void request(Change change) {
            changes.add(change);
            if (wake == null) return;
            try {
                Posix.write(wake[1], new byte[] {1}, 0, 1);
            } catch (LinuxException e) {
                // the pipe is full: the watcher wakes anyway
            }
        }

        /** A watched group: its two files' fds (memoryEvents -1 without the memory controller). */
        private record Group(String service, int memoryEvents, int cgroupEvents) {}

        private void run() {
            Map<String, Group> groups = new HashMap<>();
            byte[] buffer = new byte[4096];
            while (true) {
                try {
                    for (Change c; (c = changes.poll()) != null; ) {
                        Group old = groups.remove(c.service());
                        if (old != null) closeAll(old);
                        if (c.dir() != null) open(c.service(), c.dir(), buffer).ifPresent(g -> groups.put(g.service(), g));
                    }
                    List<Group> list = new ArrayList<>(groups.values());
                    int[] fds = new int[1 + 2 * list.size()];
                    short[] events = new short[fds.length], revents = new short[fds.length];
                    fds[0] = wake[0];
                    events[0] = Posix.POLLIN;
                    for (int i = 0; i < list.size(); i++) {
                        fds[1 + 2 * i] = list.get(i).memoryEvents();
                        fds[2 + 2 * i] = list.get(i).cgroupEvents();
                        events[1 + 2 * i] = Posix.POLLPRI;
                        events[2 + 2 * i] = Posix.POLLPRI;
                    }
                    Posix.poll(fds, events, revents, -1);
                    if (revents[0] != 0) while (Posix.read(wake[0], buffer, 0, buffer.length) > 0) {}
                    for (int i = 0; i < list.size(); i++) {
                        Group g = list.get(i);
                        try {
                            if (revents[1 + 2 * i] != 0) memoryEvents(g, buffer);
                            if (revents[2 + 2 * i] != 0 && !populated(read(g.cgroupEvents(), buffer))) {
                                // memory.events' own wakeup may come later than this one (the kernel spaces a file's
                                // notifications 100 ms apart) or never (the group is removed first): asked now, before
                                // the group can go. A kill is counted before the victim exits, so it is there.
                                listener.memoryEvents(g.service());
                                listener.emptied(g.service());
                            }
                        } catch (LinuxException gone) {
                            // ENODEV: the group was removed under us; its unwatch is on its way
                            groups.remove(g.service(), g);
                            closeAll(g);
                        }
                    }
                } catch (Throwable t) {
                    Manager.say("cgroup watcher: " + t);
                }
            }
        }

        private Optional<Group> open(String service, Path dir, byte[] buffer) {
            int memory = -1, events = -1;
            try {
                // memory.events is there where the memory controller is on (always, but in a test on a bare mount).
                if (Files.exists(dir.resolve("memory.events"))) {
                    memory = Posix.open(dir.resolve("memory.events").toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
                }
                events = Posix.open(dir.resolve("cgroup.events").toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
                Group g = new Group(service, memory, events);
                // Read once: poll wakes for changes after the last read.
                if (memory >= 0) read(memory, buffer);
                read(events, buffer);
                return Optional.of(g);
            } catch (LinuxException e) {
                Posix.closeQuietly(memory, events);
                Manager.say("cgroups: cannot watch " + dir + ": " + e.getMessage());
                return Optional.empty();
            }
        }

        private void memoryEvents(Group g, byte[] buffer) throws LinuxException {
            if (g.memoryEvents() < 0) return;
            read(g.memoryEvents(), buffer); // re-arms the poll
            listener.memoryEvents(g.service());
        }

        private static boolean populated(String cgroupEvents) {
            return CgroupPlan.key(cgroupEvents, "populated").orElse(1) != 0;
        }

        private static String read(int fd, byte[] buffer) throws LinuxException {
            int n = Posix.pread(fd, buffer, 0, buffer.length, 0);
            return new String(buffer, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
        }

        private static void closeAll(Group g) {
            Posix.closeQuietly(g.memoryEvents(), g.cgroupEvents());
        }
    }
}
