package dynamod.svmgr.runtime;

import dynamod.journal.event.Event;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.NotifyEvent;
import dynamod.journal.event.ServiceEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import java.util.function.Predicate;

/** Small helpers for the end-to-end tests that run services in a {@link HostTree}. */
final class EndToEnd {

    private EndToEnd() {}

    static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20));
    }

    /** A TOML basic string. */
    static String str(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** {@code exec = ["/bin/sh", "-c", script]}. */
    static String sh(String script) {
        return "exec = [\"/bin/sh\", \"-c\", " + str(script) + "]\n";
    }

    static List<LogLine> logLines(HostTree tree, String service) throws IOException {
        return tree.events(LogLine.class).stream().filter(l -> l.service().equals(service)).toList();
    }

    static String text(LogLine l) {
        return new String(l.message(), StandardCharsets.UTF_8);
    }

    /** The service's log as text lines (stdout, stderr and the manager's lines). */
    static List<String> lines(HostTree tree, String service) throws IOException {
        return logLines(tree, service).stream().map(EndToEnd::text).toList();
    }

    /** The events about one service, of one type. */
    static <T extends Event> List<T> eventsOf(HostTree tree, String service, Class<T> type) throws IOException {
        return tree.events(type).stream().filter(e -> service.equals(serviceOf(e))).toList();
    }

    /** Every event about the service, one a line: for failure messages. */
    static String history(HostTree tree, String service) {
        try {
            StringBuilder b = new StringBuilder();
            for (var r : tree.events(dynamod.journal.Stream.EVENTS)) if (service.equals(serviceOf(r.event()))) b.append("\n  ").append(r.event());
            for (LogLine l : logLines(tree, service)) b.append("\n  ").append(l);
            return b.toString();
        } catch (IOException e) {
            return "(no journal: " + e + ")";
        }
    }

    private static String serviceOf(Event e) {
        return switch (e) {
            case ServiceEvent s -> s.service();
            case NotifyEvent n -> n.service();
            case LogLine l -> l.service();
            default -> null;
        };
    }

    /** A field of /proc/PID/status ("Uid", "Groups", …), without its name. */
    static Optional<String> procStatus(int pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(field + ":")) return Optional.of(line.substring(field.length() + 1).strip());
            }
        } catch (IOException e) {
            // gone
        }
        return Optional.empty();
    }

    /** /proc/PID/cmdline with spaces between the arguments. */
    static String cmdline(int pid) throws IOException {
        byte[] b = Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline"));
        return new String(b, StandardCharsets.UTF_8).replace('\0', ' ').strip();
    }

    static int parentOf(int pid) throws IOException {
        String s = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        return Integer.parseInt(s.substring(s.lastIndexOf(')') + 2).split(" ")[1]);
    }


    /** A service that just runs until it is signalled. */
    static String sleeper() {
        return "exec = [\"/bin/sleep\", \"600\"]\n";
    }

    static boolean alive(long pid) {
        // A zombie is not alive: /proc/PID/stat says Z until its parent reaps it.
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !zombie(pid);
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false; // gone
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    static void sigkill(int pid) {
        ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid)).destroyForcibly();
    }

    static void awaitFile(Path file) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> Files.exists(file));
    }

    /** The events of this tree, service events only of {@code service}. */
    static List<ServiceEvent> serviceEvents(HostTree tree, String service) throws IOException {
        return tree.events(ServiceEvent.class).stream().filter(e -> e.service().equals(service)).toList();
    }

    /** The index of the first event in {@code events} that matches, or -1. */
    static int indexOf(List<? extends Event> events, Predicate<Event> match) {
        for (int i = 0; i < events.size(); i++) if (match.test(events.get(i))) return i;
        return -1;
    }

    /** A shell snippet that waits until the test creates {@code dir/NAME-gate}: it holds a service in a known state. */
    static String gate(Path dir, String name) {
        return "while [ ! -e " + dir.resolve(name + "-gate") + " ]; do sleep 0.02; done; ";
    }
}
