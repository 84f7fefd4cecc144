package dynamod.svmgr.runtime;

import dynamod.linux.ProcStat;
import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.ServiceType;
import dynamod.init.InitMessage;
import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.JournalReader;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.Event;
import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.journal.event.NotifyEvent;
import dynamod.journal.event.ServiceEvent.ServiceOomKilled;
import dynamod.journal.event.SystemEvent;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.linux.Signals;
import dynamod.linux.UnixSockets;
import dynamod.svmgr.core.Caller;
import dynamod.svmgr.core.Core;
import dynamod.svmgr.core.Decision;
import dynamod.svmgr.core.Effect;
import dynamod.svmgr.core.Input;
import dynamod.svmgr.core.ServiceRuntime;
import dynamod.svmgr.core.State;
import dynamod.svmgr.core.TimerId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The service manager's imperative shell: one loop thread owns the core's state and runs each input through
 * {@link Core#decide}, appends the events to the journal, commits, and then runs the effects (spawning, signals,
 * probes, timers). Everything else — the reaper, the log pump, the sd_notify listener, the control socket, init's
 * link, probes — only posts tasks to the loop, so the state needs no locks and inputs about a process keep their
 * order (a spawn's result is handled before the loop can see that process exit).
 */
public final class Manager {

    /** What a process svmgr started is to the service it belongs to. */
    enum Role { MAIN, FORKER, STOP_COMMAND, CHECK, FORMER_MAIN }

    record Proc(String service, Role role, int pgid) {}

    /** How long a recorded process that is gone may wait for init's report of its exit after a restart. */
    private static final long UNREPORTED_EXIT_GRACE_MILLIS = 5000;

    private final ManagerSettings settings;
    private final Core core;
    private final State state = new State();
    private final Journal journal;
    private final InitLink init;
    private final Path runDir;
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final ArrayDeque<Input> immediate = new ArrayDeque<>();
    private final TimerQueue timers = new TimerQueue();
    private final Map<Integer, Proc> procs = new HashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "scheduler");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, List<Integer>> storedFds = new HashMap<>();
    private final List<InitMessage> unackedExits = new ArrayList<>();
    private final java.util.concurrent.Semaphore reapedSlot = new java.util.concurrent.Semaphore(0);
    private Spawner spawner;
    private Cgroups cgroups = Cgroups.unavailable("not set up yet");
    private IoPump pump;
    private Probes probes;
    private ControlServer control;
    private volatile long busySince;
    private volatile boolean stopping;
    private long finishBy;
    private int exitCode;
    private String doneKind;

    public Manager(ManagerSettings settings) throws IOException {
        this.settings = settings;
        this.core = new Core(settings.options());
        this.runDir = settings.state().resolve("run");
        Files.createDirectories(runDir);
        this.journal = Journal.open(JournalOptions.defaults(settings.state().resolve("journal"), Origin.SVMGR)
                .withBootId(settings.bootId()));
        this.init = settings.initFd() >= 0 ? InitLink.of(settings.initFd()) : InitLink.none();
    }

    /** Runs until a shutdown completes; returns the process exit code. */
    public int run() throws IOException {
        Posix.setChildSubreaper();
        say("starting (generation " + settings.generation() + ", pid " + Posix.getpid() + ", state " + settings.state() + ")");
        if (Posix.geteuid() != 0) {
            say("not running as root: services with [service.user] cannot switch users and fail to start");
        }
        cgroups = openCgroups();
        List<InitLink.Received> early = init.readUntilSync();
        Path notifySocket = runDir.resolve("notify.sock");
        int notifyFd = UnixSockets.bindDatagram(notifySocket, true);
        // Anyone may send (a service running as any user); the kernel's credentials decide whose message it is.
        Files.setPosixFilePermissions(notifySocket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        spawner = new Spawner(notifySocket, cgroups, (service, warning) -> {
            say(service + " " + warning);
            managerLog(service, 0, 4, warning);
        });
        pump = new IoPump(journal, runDir.resolve("spool"), p -> post(() -> readyPipe(p)), p -> dropStored(p.storeName()));
        probes = new Probes(this);
        thread("io-pump", pump);
        thread("reaper", this::reap);
        new NotifyListener(notifyFd, this).start();
        startHeartbeat();

        // What happened before this svmgr came first: the boot (if it is new), how the last svmgr ended; then it starts.
        boolean fresh = journal.boots().stream().noneMatch(b -> b.id().equals(settings.bootId()));
        if (fresh) deleteTree(runDir.resolve("spool")); // a previous run's: its pipes are gone
        if (fresh) {
            append(new SystemEvent.BootStarted("host", kernel(), String.join(" ", ProcessHandle.current().info().arguments().map(List::of).orElse(List.of()))));
        }
        List<Input> missed = new ArrayList<>();
        for (InitLink.Received r : early) earlyMessage(r, missed);
        append(new SystemEvent.ManagerStarted(settings.generation(), Posix.getpid()));
        control = new ControlServer(runDir.resolve("control.sock"), this);
        control.start(); // requests wait in the inbox until the loop runs

        long started = System.nanoTime();
        long replayed = fresh ? 0 : replay();
        int[] found = fresh ? new int[2] : reconcile(missed);
        if (!fresh) {
            append(new SystemEvent.ManagerRecovered(-1, replayed, (System.nanoTime() - started) / 1000, found[0], found[1]));
        }
        publishLogSettings();
        for (Input in : missed) process(in);
        unackedExits.forEach(this::ack);
        unackedExits.clear();
        if (state.loaded().isEmpty()) {
            var sources = settings.configurationSources();
            process(new Input.LoadConfiguration(settings.config().toString(), sources, Caller.MANAGER));
        } else {
            for (Effect e : core.resume(state)) runEffect(e);
        }
        init.listen((m, fds) -> post(() -> fromInit(m, fds)), () -> post(() -> {
            if (doneKind == null) say("init closed the link");
        }));
        say("running: " + (state.loaded().isPresent() ? state.topology().size() : 0) + " services, control socket " + runDir.resolve("control.sock"));
        loop();
        return exitCode;
    }

    // ================================================================ the loop

    private void loop() {
        while (!stopping || !(procs.isEmpty() || System.nanoTime() - finishBy > 0)) {
            long now = System.nanoTime();
            for (TimerId due; (due = timers.pollDue(now)) != null; ) process(new Input.TimerFired(due));
            long wait = timers.nanosUntilNext(System.nanoTime());
            if (stopping) wait = wait < 0 ? TimeUnit.MILLISECONDS.toNanos(50) : Math.min(wait, TimeUnit.MILLISECONDS.toNanos(50));
            Runnable task;
            busySince = 0;
            try {
                task = wait < 0 ? inbox.poll(1, TimeUnit.SECONDS) : inbox.poll(wait, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                continue;
            }
            busySince = System.nanoTime();
            if (task == null) continue;
            try {
                task.run();
            } catch (Throwable t) {
                say("error in the manager loop (the manager goes on): " + t);
                t.printStackTrace();
            }
        }
        finish();
    }

    /** Runs {@code task} on the loop thread. */
    void post(Runnable task) {
        inbox.add(task);
    }

    /** Asks the loop thread a question about the state; the answer comes back on the future. */
    <T> CompletableFuture<T> query(Function<State, T> question) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        post(() -> {
            try {
                answer.complete(question.apply(state));
            } catch (Throwable t) {
                answer.completeExceptionally(t);
            }
        });
        return answer;
    }

    /** Runs a command input; the answer is the events it produced, with the state after it. */
    <T> CompletableFuture<T> command(Input input, Function<List<Event>, T> answer) {
        CompletableFuture<T> result = new CompletableFuture<>();
        post(() -> {
            try {
                result.complete(answer.apply(process(input)));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Decides on an input and everything it leads to at once (spawn results); returns the first decision's events. */
    List<Event> process(Input first) {
        List<Event> firstEvents = null;
        immediate.add(first);
        while (!immediate.isEmpty()) {
            Input in = immediate.poll();
            long now = System.nanoTime();
            Decision d;
            try {
                d = core.decide(state, in, now);
            } catch (RuntimeException e) {
                say("the core failed on " + in + " (input dropped): " + e);
                e.printStackTrace();
                if (firstEvents == null) firstEvents = List.of();
                continue;
            }
            for (Event e : d.events()) {
                journal.append(e, now);
                if (e instanceof NotifyEvent.MainPidChanged m) mainPidMoved(m);
            }
            state.commit(d.after());
            for (Event e : d.events()) {
                if (e instanceof SystemEvent.ShutdownProgressed p) sayShutdownProgress(p);
            }
            if (d.events().stream().anyMatch(e -> e instanceof SystemEvent.ConfigurationLoaded)) {
                publishLogSettings();
                updateLimits();
            }
            if (firstEvents == null) firstEvents = d.events();
            for (Effect effect : d.effects()) runEffect(effect);
        }
        return firstEvents;
    }

    /** A shutdown that takes long says on the console what it waits for, by name and pid (journaled as well). */
    private void sayShutdownProgress(SystemEvent.ShutdownProgressed p) {
        int pid = state.runtimeOf(p.waitingFor()).map(r -> r.pid() != 0 ? r.pid() : r.forkerPid()).orElse(0);
        say("the shutdown waits for " + p.waitingFor() + (pid != 0 ? " (pid " + pid + ")" : "") + ": "
                + p.waitedMillis() / 1000 + " s so far, killed at " + p.limitMillis() / 1000 + " s");
    }

    /** Tells the log pump each service's [logs] settings (they change with the configuration, without a restart). */
    private void publishLogSettings() {
        if (state.loaded().isEmpty()) return;
        Map<String, dynamod.conf.spec.LogSettings> settings = new HashMap<>();
        state.topology().configuration().services().forEach((name, spec) -> settings.put(name, spec.logs()));
        state.retired().forEach((name, retired) -> settings.put(name, retired.spec().logs()));
        pump.logSettings(settings);
    }

    /** Runs {@code task} on the loop thread after {@code millis}. */
    void schedule(Runnable task, long millis) {
        scheduler.schedule(() -> post(task), millis, TimeUnit.MILLISECONDS);
    }

    State state() {
        return state;
    }

    Journal journal() {
        return journal;
    }

    ManagerSettings settings() {
        return settings;
    }

    // ================================================================ effects

    private void runEffect(Effect effect) {
        try {
            switch (effect) {
                case Effect.Spawn s -> spawnMain(s.service(), s.spec());
                case Effect.Signal s -> signal(s.service(), s.pid(), s.signal(), s.group());
                case Effect.RunStopCommand s -> runStopCommand(s.service(), s.command());
                case Effect.StartProbe s -> probes.start(s.service(), s.pid(), s.readiness());
                case Effect.StopProbe s -> probes.stop(s.service());
                case Effect.FindMainPid f -> findMainPid(f.service(), f.pidFile(), 0);
                case Effect.StartTimer t -> timers.start(t.timer(), t.atNanos());
                case Effect.CancelTimer t -> timers.cancel(t.timer());
                case Effect.ShutdownComplete c -> shutdownComplete(c.kind());
            }
        } catch (RuntimeException e) {
            say("effect " + effect.getClass().getSimpleName() + " failed: " + e);
        }
    }

    private void spawnMain(String service, ServiceSpec spec) {
        switch (spawner.spawn(spec)) {
            case Spawner.Spawned s -> {
                procs.put(s.pid(), new Proc(service, spec.type() == ServiceType.FORKING ? Role.FORKER : Role.MAIN, s.pid()));
                pipe(s.stdout(), IoPump.Kind.STDOUT, service, s.pid(), true);
                pipe(s.stderr(), IoPump.Kind.STDERR, service, s.pid(), true);
                if (s.ready() >= 0) pipe(s.ready(), IoPump.Kind.READY, service, s.pid(), true);
                immediate.add(new Input.ProcessSpawned(service, s.pid(), s.executable()));
            }
            case Spawner.Failed f -> immediate.add(new Input.SpawnFailed(service, f.step(), f.errno(), f.message()));
        }
    }

    /** Hands a pipe's read end to the log pump, and (for the main process) a copy to init's fd store. */
    private void pipe(int fd, IoPump.Kind kind, String service, int pid, boolean store) {
        String name = store ? kind.name().toLowerCase() + ":" + service + ":" + pid : "";
        if (store && init.connected()) init.send(InitMessage.of(InitMessage.STORE, name), fd);
        pump.add(new IoPump.Pipe(fd, kind, service, pid, name));
    }

    private void dropStored(String name) {
        if (!name.isEmpty() && init.connected()) init.send(InitMessage.of(InitMessage.DROP, name));
    }

    private void readyPipe(IoPump.Pipe p) {
        process(new Input.ReadinessObserved(p.service(), p.pid(), "fd"));
    }

    /**
     * A signal to a process, or to its group: every process of the service's cgroup where it has one (SIGKILL by
     * cgroup.kill), else its process group; SIGCONT follows a stop signal so a stopped process sees it.
     */
    private void signal(String service, int pid, int signal, boolean group) {
        if (group && cgroups.signal(service, signal)) return;
        int target = pid;
        if (group) {
            Proc p = procs.get(pid);
            int pgid = p != null ? p.pgid() : ProcStat.processGroup(pid).orElse(0);
            if (pgid > 1 && pgid != ProcStat.processGroup(Posix.getpid()).orElse(-1)) target = -pgid;
        }
        kill(target, signal);
        if (signal != Signals.SIGKILL && signal != Signals.SIGCONT) kill(target, Signals.SIGCONT);
    }

    private static void kill(int pid, int signal) {
        try {
            Posix.kill(pid, signal);
        } catch (LinuxException e) {
            // gone already: its exit is on its way
        }
    }

    private void runStopCommand(String service, List<String> command) {
        Optional<ServiceSpec> spec = state.specOf(service);
        if (spec.isEmpty()) return;
        switch (spawner.spawn(spec.get(), command, false)) {
            case Spawner.Spawned s -> {
                procs.put(s.pid(), new Proc(service, Role.STOP_COMMAND, s.pid()));
                pipe(s.stdout(), IoPump.Kind.STDOUT, service, s.pid(), false);
                pipe(s.stderr(), IoPump.Kind.STDERR, service, s.pid(), false);
            }
            case Spawner.Failed f -> managerLog(service, 0, 3, "stop-exec failed at " + f.step() + ": " + f.message()
                    + " (the stop timeout escalates)");
        }
    }

    /** Spawns a readiness check command as the service; its exit comes back to the probes. */
    int spawnCheck(String service, List<String> command) {
        Optional<ServiceSpec> spec = state.specOf(service);
        if (spec.isEmpty()) return -1;
        switch (spawner.spawn(spec.get(), command, false)) {
            case Spawner.Spawned s -> {
                procs.put(s.pid(), new Proc(service, Role.CHECK, s.pid()));
                pipe(s.stdout(), IoPump.Kind.STDOUT, service, s.pid(), false);
                pipe(s.stderr(), IoPump.Kind.STDERR, service, s.pid(), false);
                return s.pid();
            }
            case Spawner.Failed f -> {
                managerLog(service, 0, 3, "readiness check failed to start at " + f.step() + ": " + f.message());
                return -1;
            }
        }
    }

    /** The daemon of a forking service: from its pid-file (retried while the daemon writes it), else its surviving child. */
    private void findMainPid(String service, Optional<Path> pidFile, int attempt) {
        Optional<ServiceRuntime> r = state.runtimeOf(service);
        if (r.isEmpty() || !r.get().hasProcess() || r.get().pid() != 0) return; // moved on meanwhile
        if (pidFile.isPresent()) {
            Optional<Integer> pid = readPidFile(pidFile.get());
            if (pid.isPresent() && ProcStat.isLive(pid.get())) {
                mainPidFound(service, pid.get());
                return;
            }
            if (attempt < 100) {
                scheduler.schedule(() -> post(() -> findMainPid(service, pidFile, attempt + 1)), 20, TimeUnit.MILLISECONDS);
                return;
            }
        }
        Optional<Integer> child = ProcStat.children(Posix.getpid()).stream()
                .filter(pid -> !procs.containsKey(pid) && ProcStat.service(pid).filter(service::equals).isPresent())
                .findFirst();
        if (child.isPresent()) mainPidFound(service, child.get());
        else process(new Input.MainPidNotFound(service, pidFile.map(p -> "no live pid in " + p).orElse("the daemon left no process")));
    }

    /**
     * MAINPID= moved the service to another process: that one's exit is now the service's (and takes its group), the
     * old one's exit is nobody's business (its group is the new main process's, which must not be killed with it).
     */
    private void mainPidMoved(NotifyEvent.MainPidChanged m) {
        Proc old = procs.get(m.oldPid());
        if (old != null && old.role() == Role.MAIN) procs.put(m.oldPid(), new Proc(old.service(), Role.FORMER_MAIN, old.pgid()));
        procs.putIfAbsent(m.pid(), new Proc(m.service(), Role.MAIN, ProcStat.processGroup(m.pid()).orElse(m.pid())));
    }

    private void mainPidFound(String service, int pid) {
        procs.put(pid, new Proc(service, Role.MAIN, ProcStat.processGroup(pid).orElse(pid)));
        process(new Input.MainPidFound(service, pid));
    }

    private static Optional<Integer> readPidFile(Path file) {
        try {
            String text = Files.readString(file).strip();
            int pid = Integer.parseInt(text);
            return pid > 0 ? Optional.of(pid) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Everything is stopped (or was killed at the deadline): svmgr goes on a moment longer, until the last exits are
     * reaped and journaled, then ends.
     */
    private void shutdownComplete(String kind) {
        doneKind = kind;
        stopping = true;
        finishBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    }

    private void finish() {
        say("all services are down (" + doneKind + ")");
        if (control != null) control.close();
        journal.sync();
        init.send(InitMessage.of(InitMessage.DONE, doneKind));
        journal.close();
    }

    // ================================================================ reaping

    /** One reaper for every child: exits go to the loop, which knows whose they are. */
    private void reap() {
        while (true) {
            try {
                Posix.Reaped r = Posix.peekAny(true);
                if (r == null) {
                    Thread.sleep(20); // no children at the moment; an orphan may be re-parented to us any time
                    continue;
                }
                ExitStatus status = r.signalled() ? ExitStatus.killed(r.signal(), r.coreDumped()) : ExitStatus.exited(r.exitCode());
                // Write-ahead: the exit is journaled before the zombie is reaped, so if svmgr dies in between the zombie
                // passes to init, which reaps it and reports it to the next svmgr. Nothing is lost, nothing guessed.
                post(() -> {
                    try {
                        reaped(r.pid(), status);
                    } finally {
                        try {
                            Posix.waitPid(r.pid(), false);
                        } catch (LinuxException e) {
                            // reaped already
                        }
                        reapedSlot.release();
                    }
                });
                reapedSlot.acquire();
            } catch (Throwable t) {
                say("reaper: " + t);
            }
        }
    }

    void reaped(int pid, ExitStatus status) {
        Proc p = procs.remove(pid);
        if (p != null && p.role() == Role.CHECK) {
            probes.checkExited(p.service(), pid, status);
            return;
        }
        if (p != null && p.role() == Role.STOP_COMMAND) {
            if (!status.success()) managerLog(p.service(), pid, 4, "stop-exec " + status);
            return;
        }
        // The shell's promise to the core: a main process's exit is reported once what is left of its group is gone.
        if (p != null && p.role() == Role.MAIN) {
            // An OOM kill that ended it is journaled before its exit; then its cgroup goes too: a double-forked
            // child left its process group, never its cgroup.
            checkOomKills(p.service());
            cgroups.kill(p.service());
            if (p.pgid() > 1) kill(-p.pgid(), Signals.SIGKILL);
        }
        process(new Input.ProcessExited(pid, status));
        // The group may have emptied before this exit was handled (a fork bomb's last process and its main dying
        // together): its "emptied" came while the service still had a process and was ignored, and none follows.
        if (p != null && p.role() == Role.MAIN) cgroupEmptied(p.service());
    }

    // ================================================================ cgroups

    private Cgroups openCgroups() {
        String own;
        try {
            own = Files.readString(Path.of("/proc/self/cgroup"));
        } catch (IOException e) {
            own = "";
        }
        Cgroups opened = Cgroups.open(CgroupPlan.MOUNT, own, Posix.geteuid() == 0, new Cgroups.Listener() {
            @Override
            public void memoryEvents(String service) {
                post(() -> checkOomKills(service));
            }

            @Override
            public void emptied(String service) {
                post(() -> cgroupEmptied(service));
            }
        });
        if (opened.available()) say("cgroups: each service in its own cgroup under " + opened.describe());
        else say("cgroups unavailable: " + opened.unavailableReason().orElseThrow()
                + "; services with [cgroup] limits do not start (isolation = \"required\") or run without them (\"best-effort\")");
        opened.oomVictimsUnavailableReason().ifPresent(why -> say("cgroups: OOM kills are counted, their victims not named: " + why));
        return opened;
    }

    private void checkOomKills(String service) {
        cgroups.newOomKills(service).ifPresent(k -> oomKilled(new ServiceOomKilled(service, k.added(), k.total(), k.victims())));
    }

    private void oomKilled(ServiceOomKilled kill) {
        append(kill);
        String limit = state.specOf(kill.service()).flatMap(s -> s.cgroup().memoryMax()).map(l -> l.kernelValue()).orElse("max");
        managerLog(kill.service(), 0, 3, "out of memory: the kernel's OOM killer killed " + kill.killed() + " of its cgroup (memory-max " + limit + ")");
    }

    /**
     * An emptied cgroup goes once its service has no process (a restart may have spawned into it meanwhile). Its OOM
     * kills were read just before: the watcher reports memory.events with every emptying, and a main process's exit
     * reads them first.
     */
    private void cgroupEmptied(String service) {
        if (state.runtimeOf(service).map(ServiceRuntime::hasProcess).orElse(false)) return;
        cgroups.removeIfEmpty(service);
    }

    /** A reload's [cgroup] changes, written into the running services' groups: limits change live, without a restart. */
    private void updateLimits() {
        for (var live : cgroups.applied().entrySet()) {
            String service = live.getKey();
            Optional<ServiceSpec> spec = state.specOf(service);
            if (spec.isEmpty() || spec.get().cgroup().equals(live.getValue())) continue;
            try {
                cgroups.update(service, spec.get().cgroup());
                managerLog(service, 0, 6, "[cgroup] limits updated in " + cgroups.dir(service));
            } catch (Cgroups.CgroupException e) {
                say(service + ": the reloaded [cgroup] limits are refused: " + e.getMessage());
                managerLog(service, 0, 3, "the reloaded [cgroup] limits are refused (it runs on with the old ones): " + e.getMessage());
            }
        }
    }

    /** The service's cgroup's current values for {@code status}; empty without a cgroup. Any thread. */
    Optional<Cgroups.Stats> cgroupStats(String service) {
        return cgroups.stats(service);
    }

    Optional<Path> cgroupDir(String service) {
        return cgroups.available() ? Optional.of(cgroups.dir(service)) : Optional.empty();
    }

    // ================================================================ init

    private void fromInit(InitMessage m, int[] fds) {
        try {
            switch (m.verb()) {
                case InitMessage.EXITED -> {
                    exitReported(m);
                    ack(m);
                }
                case InitMessage.SHUTDOWN -> process(new Input.Shutdown(m.arg(0), new Caller(0, Posix.getppid(), "dynamod-init")));
                default -> say("unexpected message from init: " + m);
            }
        } catch (IllegalArgumentException e) {
            say("bad message from init (" + m + "): " + e.getMessage());
        } finally {
            for (int fd : fds) Posix.closeQuietly(fd);
        }
    }

    /** What init held back for this svmgr: the previous one's end, adopted exits, and the stored pipes. */
    private void earlyMessage(InitLink.Received r, List<Input> missed) {
        InitMessage m = r.message();
        try {
            switch (m.verb()) {
                case InitMessage.MANAGER_EXITED -> {
                    append(new SystemEvent.ManagerExited(m.intArg(1), status(m, 2), m.longArg(5)));
                    ack(m);
                }
                case InitMessage.MANAGER_HUNG -> {
                    append(new SystemEvent.ManagerHung(m.intArg(1), m.longArg(2)));
                    ack(m);
                }
                case InitMessage.EXITED -> {
                    missed.add(new Input.ProcessExited(m.intArg(1), status(m, 2)));
                    unackedExits.add(m);
                }
                case InitMessage.FD -> {
                    if (r.fds().length == 1) {
                        storedFds.computeIfAbsent(m.arg(0), k -> new ArrayList<>()).add(r.fds()[0]);
                        return;
                    }
                }
                case InitMessage.SHUTDOWN -> post(() -> process(new Input.Shutdown(m.arg(0), new Caller(0, Posix.getppid(), "dynamod-init"))));
                default -> say("unexpected message from init: " + m);
            }
        } catch (IllegalArgumentException e) {
            say("bad message from init (" + m + "): " + e.getMessage());
        }
        for (int fd : r.fds()) Posix.closeQuietly(fd);
    }

    /** An adopted process's exit, as init reported it: {@code EXITED seq pid code signal core}. */
    private void exitReported(InitMessage m) {
        reaped(m.intArg(1), status(m, 2));
    }

    private static ExitStatus status(InitMessage m, int from) {
        int signal = m.intArg(from + 1);
        return signal != 0 ? ExitStatus.killed(signal, m.intArg(from + 2) != 0) : ExitStatus.exited(m.intArg(from));
    }

    /** Tells init a report is in the journal, so it need not send it to the next svmgr. */
    private void ack(InitMessage report) {
        init.send(InitMessage.of(InitMessage.ACK, report.arg(0)));
    }

    // ================================================================ recovery

    /** Rebuilds the state from this boot's events; returns how many were applied. */
    private long replay() {
        var boot = journal.boots().stream().filter(b -> b.id().equals(settings.bootId())).findFirst();
        if (boot.isEmpty()) return 0;
        long applied = 0;
        try (JournalReader reader = journal.reader(Stream.EVENTS)) {
            if (!reader.seek(boot.get())) return 0;
            for (Optional<Recorded> next; (next = reader.next()).isPresent(); ) {
                Recorded r = next.get();
                if (!r.bootId().equals(settings.bootId())) continue;
                Core.apply(state, r.event(), r.monotonicNanos());
                applied++;
            }
        }
        return applied;
    }

    /**
     * Matches the replayed state with the machine: recorded processes that still run (same pid, started when the
     * journal says, so not a reused pid) are adopted with their stored pipes; the ones that are gone and that init
     * did not report are recorded as exited; a spawn in flight at the crash is found or failed. Returns
     * {adopted, exits discovered}.
     */
    private int[] reconcile(List<Input> missed) {
        int adopted = 0, discovered = 0;
        java.util.Set<Integer> reported = new java.util.HashSet<>();
        for (Input in : missed) if (in instanceof Input.ProcessExited e) reported.add(e.pid());
        discovered = reported.size();
        if (state.loaded().isEmpty()) return new int[] {0, 0};
        List<String> names = new ArrayList<>(state.topology().configuration().services().keySet());
        names.addAll(state.retired().keySet());
        for (String service : names) {
            ServiceRuntime r = state.runtimeOf(service).orElseThrow();
            if (!r.hasProcess()) continue;
            for (int pid : new int[] {r.pid(), r.forkerPid()}) {
                if (pid == 0 || reported.contains(pid)) continue;
                if (ProcStat.isLive(pid) && ProcStat.service(pid).map(service::equals).orElse(true)) {
                    Role role = pid == r.forkerPid() && pid != r.pid() ? Role.FORKER : Role.MAIN;
                    procs.put(pid, new Proc(service, role, ProcStat.processGroup(pid).orElse(pid)));
                    adoptPipes(service, pid);
                    state.specOf(service).ifPresent(spec -> cgroups.adopt(service, spec.cgroup()));
                    adopted++;
                } else {
                    // Gone, and init has not reported it yet: it exited after init sent SYNC, and its report is on
                    // the way. Only if none comes is the exit recorded as unknown (exit code -1), so no service
                    // waits forever on a process that is not there.
                    schedule(() -> {
                        if (state.serviceOfPid(pid).isEmpty()) return;
                        say("process " + pid + " of " + service + " is gone and no one reported its exit; recording it as unknown");
                        process(new Input.ProcessExited(pid, ExitStatus.exited(-1)));
                    }, UNREPORTED_EXIT_GRACE_MILLIS);
                }
            }
            if (r.state() == dynamod.journal.event.ServiceState.STARTING && !r.spawned() && r.pid() == 0 && r.forkerPid() == 0) {
                missed.addFirst(inFlightSpawn(service));
            }
        }
        // Pipes of processes that are gone: their last lines are still in the pipe or the spool; read them to the end.
        for (var leftover : storedFds.entrySet()) {
            String[] name = leftover.getKey().split(":");
            List<Integer> fds = leftover.getValue();
            if (name.length == 3 && (name[0].equals("stdout") || name[0].equals("stderr"))) {
                pump.add(new IoPump.Pipe(fds.getFirst(), IoPump.Kind.valueOf(name[0].toUpperCase(java.util.Locale.ROOT)),
                        name[1], Integer.parseInt(name[2]), leftover.getKey()));
                fds.subList(1, fds.size()).forEach(f -> Posix.closeQuietly(f));
            } else {
                dropStored(leftover.getKey());
                fds.forEach(f -> Posix.closeQuietly(f));
            }
        }
        storedFds.clear();
        return new int[] {adopted, discovered};
    }

    private void adoptPipes(String service, int pid) {
        for (IoPump.Kind kind : IoPump.Kind.values()) {
            String name = kind.name().toLowerCase() + ":" + service + ":" + pid;
            List<Integer> fds = storedFds.remove(name);
            if (fds == null) continue;
            pump.add(new IoPump.Pipe(fds.getFirst(), kind, service, pid, name));
            fds.subList(1, fds.size()).forEach(f -> Posix.closeQuietly(f));
        }
    }

    /** A spawn whose result the last svmgr did not record: its pipes in init's store name its pid, if it ran. */
    private Input inFlightSpawn(String service) {
        String prefix = "stdout:" + service + ":";
        for (String name : List.copyOf(storedFds.keySet())) {
            if (!name.startsWith(prefix)) continue;
            int pid = Integer.parseInt(name.substring(prefix.length()));
            if (ProcStat.isLive(pid)) {
                ServiceSpec spec = state.specOf(service).orElseThrow();
                procs.put(pid, new Proc(service, spec.type() == ServiceType.FORKING ? Role.FORKER : Role.MAIN, pid));
                adoptPipes(service, pid);
                return new Input.ProcessSpawned(service, pid, Spawner.resolve(spec.exec().getFirst(), Spawner.DEFAULT_PATH).orElse(spec.exec().getFirst()));
            }
        }
        return new Input.SpawnFailed(service, "recovery", 0, "the manager restarted before this spawn was confirmed, and no process of it runs");
    }

    // ================================================================ helpers

    private void append(Event event) {
        long now = System.nanoTime();
        journal.append(event, now);
        Core.apply(state, event, now);
    }

    /** A line from the manager in a service's log. */
    void managerLog(String service, int pid, int priority, String message) {
        journal.append(new LogLine(service, LogStream.MANAGER, priority, pid, "dynamod", message.getBytes(StandardCharsets.UTF_8), 0));
    }

    /** svmgr's heartbeat to init: sent while the loop is idle or made progress recently, so a hung loop is noticed. */
    private void startHeartbeat() {
        if (!init.connected()) return;
        scheduler.scheduleAtFixedRate(() -> {
            long busy = busySince;
            if (busy == 0 || System.nanoTime() - busy < TimeUnit.SECONDS.toNanos(5)) init.send(InitMessage.of(InitMessage.HEARTBEAT));
        }, 0, 1, TimeUnit.SECONDS);
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static String kernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }


    static void say(String text) {
        System.err.println("dynamod-svmgr: " + text);
        System.err.flush();
    }
}
