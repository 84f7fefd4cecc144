package dynamod.init;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * dynamod-init's command line.
 *
 * @param state the state directory (its {@code run/init.pid} names this process)
 * @param restartDelay the first back-off after svmgr dies; it doubles up to {@code restartMaxDelay}
 * @param stableAfter an svmgr that ran this long resets the back-off
 * @param heartbeatTimeout an svmgr silent this long is hung: killed and restarted
 * @param firstHeartbeatTimeout how long a new svmgr may take to send its first heartbeat (JVM start, replay)
 * @param shutdownDeadline how long svmgr's ordered stop may take after init was asked to stop; then init kills all
 * @param killWait after the ordered stop: how long what is left may take to exit after SIGTERM, before SIGKILL
 * @param svmgrCommand the svmgr to run: an absolute executable and its arguments (given after {@code --}, or in a
 *     file of one argument per line with {@code --svmgr-argv FILE}, which keeps them off init's own command line so
 *     that {@code pgrep -f dynamod-svmgr} finds svmgr alone; the file is read again at every restart)
 */
public record InitOptions(Path state, Duration restartDelay, Duration restartMaxDelay, Duration stableAfter,
        Duration heartbeatTimeout, Duration firstHeartbeatTimeout, Duration shutdownDeadline, Duration killWait, Optional<UUID> bootId, List<String> svmgrCommand,
        Optional<Path> svmgrArgvFile) {

    public static final String USAGE = """
            usage: dynamod-init --state DIR [--restart-delay MS] [--restart-max-delay MS] [--stable-after MS]
                                [--heartbeat-timeout MS] [--first-heartbeat-timeout MS] [--shutdown-deadline MS] [--kill-wait MS] [--boot-id UUID]
                                (--svmgr-argv FILE | -- /absolute/svmgr-executable ARGS...)""";

    /** As PID 1, with no arguments: the state and the svmgr command line an image installs (docs/pid1.md). */
    public static final Path PID1_STATE = Path.of("/var/lib/dynamod"), PID1_SVMGR_ARGV = Path.of("/etc/dynamod/svmgr.argv");

    /** The same options with the given boot id (PID 1 on a machine: the kernel's, unless --boot-id said one). */
    public InitOptions withBootId(UUID id) {
        return new InitOptions(state, restartDelay, restartMaxDelay, stableAfter, heartbeatTimeout, firstHeartbeatTimeout, shutdownDeadline,
                killWait, Optional.of(id), svmgrCommand, svmgrArgvFile);
    }

    /** {@code pid1}: the state directory and the svmgr argv file have defaults ({@link #PID1_STATE}, ...). */
    public static InitOptions parse(String[] args, boolean pid1) {
        Path state = pid1 ? PID1_STATE : null;
        Duration killWait = Duration.ofSeconds(pid1 ? 10 : 5);
        Duration delay = Duration.ofMillis(500), max = Duration.ofSeconds(30), stable = Duration.ofSeconds(30);
        Duration heartbeat = Duration.ofSeconds(15), first = Duration.ofSeconds(120), deadline = Duration.ofSeconds(120);
        Optional<UUID> boot = Optional.empty();
        Optional<Path> argvFile = pid1 ? Optional.of(PID1_SVMGR_ARGV) : Optional.empty();
        List<String> command = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                command.addAll(List.of(args).subList(i + 1, args.length));
                break;
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--state" -> state = Path.of(v).toAbsolutePath();
                case "--restart-delay" -> delay = millis(a, v);
                case "--restart-max-delay" -> max = millis(a, v);
                case "--stable-after" -> stable = millis(a, v);
                case "--heartbeat-timeout" -> heartbeat = millis(a, v);
                case "--first-heartbeat-timeout" -> first = millis(a, v);
                case "--shutdown-deadline" -> deadline = millis(a, v);
                case "--kill-wait" -> killWait = millis(a, v);
                case "--boot-id" -> boot = Optional.of(UUID.fromString(v));
                case "--svmgr-argv" -> argvFile = Optional.of(Path.of(v).toAbsolutePath());
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (state == null) throw new IllegalArgumentException("--state DIR is required");
        if (argvFile.isEmpty() && (command.isEmpty() || !command.getFirst().startsWith("/"))) {
            throw new IllegalArgumentException("the svmgr command (after -- or in --svmgr-argv FILE) must start with an absolute path");
        }
        if (max.compareTo(delay) < 0) max = delay;
        if (!command.isEmpty()) argvFile = Optional.empty();
        return new InitOptions(state, delay, max, stable, heartbeat, first, deadline, killWait, boot, command, argvFile);
    }

    /** The svmgr command as it is now (the argv file is read each time). */
    public List<String> currentSvmgrCommand() throws java.io.IOException {
        if (svmgrArgvFile.isEmpty()) return svmgrCommand;
        List<String> argv = java.nio.file.Files.readAllLines(svmgrArgvFile.get()).stream().filter(l -> !l.isEmpty()).toList();
        if (argv.isEmpty() || !argv.getFirst().startsWith("/")) {
            throw new java.io.IOException(svmgrArgvFile.get() + ": the first line must be an absolute executable");
        }
        return argv;
    }

    private static Duration millis(String option, String value) {
        try {
            long ms = Long.parseLong(value);
            if (ms < 0) throw new NumberFormatException();
            return Duration.ofMillis(ms);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a number of milliseconds: " + value);
        }
    }
}
