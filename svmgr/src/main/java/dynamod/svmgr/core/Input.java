package dynamod.svmgr.core;

import dynamod.conf.ConfigSource;
import dynamod.journal.event.ExitStatus;
import java.util.List;

/**
 * Everything that can happen to the manager: what it is told (configuration, commands) and what the shell
 * observed (processes, readiness, sd_notify messages, timers). {@link Core#decide} turns each into events and
 * effects.
 *
 * <p>What the shell guarantees, so that the core can trust the order of inputs about a process:
 * <ul>
 * <li>{@code ProcessSpawned} (or {@code SpawnFailed}) comes before any other input about that process, and every
 *     Spawn is answered, also after a restart of the manager (the spawn helper's result is not lost);
 * <li>{@code ProcessExited} for a service's main process comes once its group (cgroup) is empty: the shell kills
 *     what is left of the group first, so a restart never runs beside leftovers of the last run. A forking
 *     service's starting process is reported when it exits, without waiting for its group (the daemon stays);
 * <li>{@code Notified} carries the sender's pid as the kernel reported it (SCM_CREDENTIALS).
 * </ul>
 */
public sealed interface Input {

    /** A configuration was read from {@code path}: the first one, or a switch to a new one. */
    record LoadConfiguration(String path, List<ConfigSource> sources, Caller caller) implements Input {}

    /** Start a service (and what it requires and wants), clearing a stop or a failure. */
    record Start(String service, Caller caller) implements Input {}

    /** Stop a service; it stays stopped until started. */
    record Stop(String service, Caller caller) implements Input {}

    /** Stop and start a service again; never two instances. */
    record Restart(String service, Caller caller) implements Input {}

    /** Ask a running service to reload its configuration: SIGHUP to its main process. */
    record Reload(String service, Caller caller) implements Input {}

    /** Stop everything in reverse dependency order, then {@code kind}: poweroff, reboot, halt or exit. */
    record Shutdown(String kind, Caller caller) implements Input {}

    /** The spawn helper started the service's process. */
    record ProcessSpawned(String service, int pid, String executable) implements Input {}

    /** The spawn helper could not start it: at which step, with which errno. */
    record SpawnFailed(String service, String step, int errno, String message) implements Input {}

    /** A process the manager (or init, for adopted orphans) reaped. */
    record ProcessExited(int pid, ExitStatus status) implements Input {}

    /** The readiness probe (tcp-port, exec, fd) started for process {@code pid} saw the service ready. */
    record ReadinessObserved(String service, int pid, String detector) implements Input {}

    /** A forking service's main process, from its pid-file or as the surviving child. */
    record MainPidFound(String service, int pid) implements Input {}

    /** A forking service left no main process to find. */
    record MainPidNotFound(String service, String reason) implements Input {}

    /** An sd_notify datagram from {@code pid}. */
    record Notified(int pid, Notification notification) implements Input {}

    /** A timer the core asked for fired. */
    record TimerFired(TimerId timer) implements Input {}
}
