package dynamod.svmgr.runtime;

import dynamod.conf.ConfigLoader;
import dynamod.conf.LoadResult;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.CommandEvent;
import dynamod.journal.event.Event;
import dynamod.journal.event.EventFields;
import dynamod.journal.text.EventText;
import dynamod.journal.text.Json;
import dynamod.journal.text.JsonParser;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.linux.UnixSockets;
import dynamod.svmgr.control.FrameException;
import dynamod.svmgr.control.Frames;
import dynamod.svmgr.control.Views;
import dynamod.svmgr.core.Caller;
import dynamod.svmgr.core.Configurations;
import dynamod.svmgr.core.Input;
import dynamod.svmgr.core.State;
import dynamod.svmgr.core.SwitchPlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The control socket ({@code run/control.sock}, mode 0600, or 0660 for {@code --control-group}): framed, versioned JSON requests (see {@link Frames}),
 * one thread per connection up to {@link #MAX_CLIENTS}. The peer's credentials (SO_PEERCRED) decide: anyone may ask
 * (list, status, tree, subscribe, ping); only root or the user the manager runs as may change state. A malformed or
 * oversized frame gets an error and the connection is closed; the manager never notices.
 */
final class ControlServer {

    static final int MAX_CLIENTS = 64;
    /** How long a client may be silent (between requests or inside a frame) before it is disconnected. */
    static final int IDLE_TIMEOUT_MILLIS = 30_000;
    private static final Set<String> READ_ONLY = Set.of("ping", "list", "status", "tree", "subscribe");

    private final Path path;
    private final Manager manager;
    private final Semaphore slots = new Semaphore(MAX_CLIENTS);
    private final int listenFd;
    private volatile boolean closed;

    ControlServer(Path path, Manager manager) throws IOException {
        this.path = path;
        this.manager = manager;
        Optional<String> group = manager.settings().controlGroup();
        this.listenFd = UnixSockets.listenStream(path, 128, group.isPresent() ? 0660 : 0600);
        if (group.isPresent()) {
            // Members of the group may ask (list, status, …); changing state still needs root or the owner.
            var lookup = path.getFileSystem().getUserPrincipalLookupService();
            Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class)
                    .setGroup(lookup.lookupPrincipalByGroupName(group.get()));
        }
    }

    void start() {
        Thread t = new Thread(this::acceptLoop, "control");
        t.setDaemon(true);
        t.start();
    }

    void close() {
        closed = true;
        try {
            UnixSockets.shutdown(listenFd);
            Posix.close(listenFd);
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // going away anyway
        }
    }

    private void acceptLoop() {
        while (!closed) {
            int fd;
            try {
                fd = UnixSockets.accept(listenFd);
            } catch (LinuxException e) {
                if (!closed) Manager.say("control socket: " + e.getMessage());
                continue;
            }
            if (!slots.tryAcquire()) {
                try (var out = new FdOutput(fd)) {
                    Frames.write(out, error("busy", "too many clients (" + MAX_CLIENTS + ")"));
                } catch (IOException e) {
                    // nothing more to say
                }
                Posix.closeQuietly(fd);
                continue;
            }
            Thread.ofPlatform().daemon().name("control-client").start(() -> {
                try {
                    serve(fd);
                } catch (Throwable t) {
                    // a client's trouble is the client's
                } finally {
                    Posix.closeQuietly(fd);
                    slots.release();
                }
            });
        }
    }

    private void serve(int fd) throws IOException {
        UnixSockets.Credentials peer = UnixSockets.peerCredentials(fd);
        InputStream in = new FdInput(fd);
        OutputStream out = new FdOutput(fd);
        while (true) {
            Map<String, Object> request;
            try {
                request = Frames.read(in, Frames.MAX_REQUEST);
            } catch (FrameException e) {
                Frames.write(out, error("bad-frame", e.getMessage()));
                return;
            }
            if (request == null) return;
            Map<String, Object> response;
            try {
                response = handle(request, peer, out);
            } catch (IllegalArgumentException | IllegalStateException e) {
                response = error("bad-request", e.getMessage());
            }
            if (response == null) return; // a subscription that ended
            if (request.get("id") != null) response.put("id", request.get("id"));
            Frames.write(out, response);
        }
    }

    private Map<String, Object> handle(Map<String, Object> request, UnixSockets.Credentials peer, OutputStream out) throws IOException {
        String command = JsonParser.string(request, "command");
        if (!READ_ONLY.contains(command) && peer.uid() != 0 && peer.uid() != Posix.geteuid()) {
            return error("permission-denied", command + " needs root or the manager's own user (uid " + Posix.geteuid()
                    + "); you are uid " + peer.uid());
        }
        Caller caller = new Caller(peer.uid(), peer.pid(), JsonParser.optString(request, "caller").orElse("control"));
        return switch (command) {
            case "ping" -> ok(Map.of("pid", Posix.getpid(), "generation", manager.settings().generation(),
                    "bootId", manager.settings().bootId().toString()));
            case "list" -> ok(Map.of("services", ask(s -> Views.services(s, System.nanoTime(), System.currentTimeMillis()))));
            case "status" -> status(JsonParser.list(request, "services"));
            case "tree" -> ok(Map.of("tree", ask(Views::tree)));
            case "start", "stop", "restart" -> serviceCommand(command, JsonParser.string(request, "service"), caller);
            case "reload" -> {
                Optional<String> service = JsonParser.optString(request, "service");
                if (service.isPresent()) yield serviceCommand(command, service.get(), caller);
                yield reloadConfiguration(Boolean.TRUE.equals(request.get("dryRun")), caller);
            }
            case "shutdown" -> {
                String kind = JsonParser.optString(request, "kind").orElse("poweroff");
                if (!Set.of("poweroff", "reboot", "halt", "exit").contains(kind)) {
                    yield error("bad-request", "shutdown kind must be poweroff, reboot, halt or exit: " + kind);
                }
                yield commandResult(wait(manager.command(new Input.Shutdown(kind, caller), e -> e)));
            }
            case "subscribe" -> {
                subscribe(out);
                yield null;
            }
            default -> error("unknown-command", "unknown command " + command
                    + " (known: ping list status tree start stop restart reload shutdown subscribe)");
        };
    }

    private Map<String, Object> status(List<Object> names) {
        return ok(ask(s -> {
            List<Object> found = new ArrayList<>(), unknown = new ArrayList<>();
            for (Object n : names) {
                String name = String.valueOf(n);
                if (s.runtimeOf(name).isPresent()) {
                    Map<String, Object> status = Views.status(s, name, System.nanoTime(), System.currentTimeMillis());
                    status.put("cgroup", manager.cgroupDir(name).map(dir -> Views.cgroup(dir.toString(), manager.cgroupStats(name)
                            .map(st -> new long[] {st.memoryCurrent().orElse(-1), st.pidsCurrent().orElse(-1), st.cpuUsageMicros().orElse(-1)})
                            .orElse(null))).orElse(null));
                    found.add(status);
                }
                else unknown.add(name);
            }
            // Where its log lines are, for a client that reads them when logd does not answer.
            return Map.of("services", found, "unknown", unknown, "journal", manager.settings().state().resolve("journal").toString());
        }));
    }

    private Map<String, Object> serviceCommand(String command, String service, Caller caller) {
        if (!ask(s -> isTarget(s, service))) return error("unknown-service", "no service or supervisor " + service);
        Input input = switch (command) {
            case "start" -> new Input.Start(service, caller);
            case "stop" -> new Input.Stop(service, caller);
            case "restart" -> new Input.Restart(service, caller);
            default -> new Input.Reload(service, caller);
        };
        return commandResult(wait(manager.command(input, e -> e)));
    }

    /** What the core takes as a command's target: a service (also a removed one still stopping), NAME.service, or a supervisor. */
    private static boolean isTarget(State s, String name) {
        if (s.runtimeOf(name).isPresent()) return true;
        if (s.loaded().isEmpty()) return false;
        return s.topology().hasSupervisor(name) || name.endsWith(".service") && s.topology().hasService(name.substring(0, name.length() - 8));
    }

    private Map<String, Object> reloadConfiguration(boolean dryRun, Caller caller) {
        Path config = manager.settings().config();
        var sources = manager.settings().configurationSources();
        LoadResult result = ConfigLoader.load(sources);
        List<String> diagnostics = result.diagnostics().stream().map(d -> d.headline()).toList();
        if (dryRun) {
            SwitchPlan plan = ask(s -> SwitchPlan.compute(s, Configurations.effective(s.loaded().map(State.Loaded::configuration), result)));
            return ok(Map.of("dryRun", true, "plan", plan.render(), "diagnostics", diagnostics, "errors", result.errorCount()));
        }
        SwitchPlan plan = ask(s -> SwitchPlan.compute(s, Configurations.effective(s.loaded().map(State.Loaded::configuration), result)));
        Map<String, Object> r = commandResult(wait(manager.command(new Input.LoadConfiguration(config.toString(), sources, caller), e -> e)));
        r.put("plan", plan.render());
        r.put("diagnostics", diagnostics);
        r.put("errors", result.errorCount());
        return r;
    }

    /** What a command did: accepted or rejected (with the reason), and the events it led to. */
    private static Map<String, Object> commandResult(List<Event> events) {
        Map<String, Object> r = Json.object();
        Optional<CommandEvent.CommandRejected> rejected = events.stream()
                .filter(e -> e instanceof CommandEvent.CommandRejected).map(e -> (CommandEvent.CommandRejected) e).findFirst();
        r.put("ok", rejected.isEmpty());
        if (rejected.isPresent()) {
            r.put("code", "rejected");
            r.put("error", rejected.get().reason());
        }
        List<Object> list = new ArrayList<>();
        for (Event e : events) {
            Map<String, Object> m = Json.object();
            m.put("type", e.getClass().getSimpleName());
            m.put("event", EventFields.of(e));
            list.add(m);
        }
        r.put("events", list);
        return r;
    }

    /** Streams every new event (and log line) until the client goes away. */
    private void subscribe(OutputStream out) throws IOException {
        Frames.write(out, ok(Map.of("subscribed", true)));
        try (JournalReader events = manager.journal().reader(Stream.EVENTS); JournalReader logs = manager.journal().reader(Stream.LOGS)) {
            events.toEnd();
            logs.toEnd();
            while (!closed) {
                boolean any = false;
                for (JournalReader reader : List.of(events, logs)) {
                    for (Optional<Recorded> r; (r = reader.next()).isPresent(); ) {
                        Map<String, Object> m = Json.object();
                        m.put("ok", true);
                        m.put("line", EventText.line(r.get()));
                        m.put("record", EventText.toJson(r.get()));
                        Frames.write(out, m);
                        any = true;
                    }
                }
                if (!any) events.poll(Duration.ofMillis(200)).ifPresent(r -> {
                    try {
                        Map<String, Object> m = Json.object();
                        m.put("ok", true);
                        m.put("line", EventText.line(r));
                        m.put("record", EventText.toJson(r));
                        Frames.write(out, m);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
        } catch (java.io.UncheckedIOException e) {
            // the subscriber left
        }
    }

    private <T> T ask(java.util.function.Function<State, T> question) {
        return wait(manager.query(question));
    }

    private static <T> T wait(Future<T> answer) {
        try {
            return answer.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the manager failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the manager did not answer within 60 s");
        }
    }

    private static Map<String, Object> ok(Map<String, ?> fields) {
        Map<String, Object> r = Json.object();
        r.put("ok", true);
        r.putAll(fields);
        return r;
    }

    static Map<String, Object> error(String code, String message) {
        Map<String, Object> r = Json.object();
        r.put("ok", false);
        r.put("code", code);
        r.put("error", message);
        return r;
    }

    /** Blocking reads from a socket fd. */
    static final class FdInput extends InputStream {
        private final int fd;

        FdInput(int fd) {
            this.fd = fd;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            // A client that holds its slot and says nothing is dropped: 64 idle clients must not lock out root.
            short[] revents = new short[1];
            if (Posix.poll(new int[] {fd}, new short[] {Posix.POLLIN}, revents, IDLE_TIMEOUT_MILLIS) == 0) {
                throw new IOException("client idle for " + IDLE_TIMEOUT_MILLIS + " ms");
            }
            int n = Posix.read(fd, b, off, len);
            return n <= 0 ? -1 : n;
        }
    }

    static final class FdOutput extends OutputStream {
        private final int fd;

        FdOutput(int fd) {
            this.fd = fd;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Posix.writeFully(fd, java.util.Arrays.copyOfRange(b, off, off + len));
        }

        @Override
        public void close() {
            // the fd is the server's to close
        }
    }
}
