package dynamod.journal.event;

import java.util.List;
import java.util.Optional;

/** A service's lifecycle: every transition of its state machine and the process facts behind them. */
public sealed interface ServiceEvent extends Event {

    String service();

    /** The state machine moved; {@code cause} names the service or supervisor that caused it, if another did. */
    record ServiceStateChanged(String service, ServiceState from, ServiceState to, int pid, Optional<ExitStatus> exit,
            String reason, Optional<String> cause) implements ServiceEvent {}

    /** Whether the service should be up: on at load, off by a stop command (sticking until a start), on again by a start. */
    record ServiceTargetSet(String service, boolean up, String reason) implements ServiceEvent {}

    /** The service is to be stopped and started again (a restart command): no failure, no restart counted. */
    record ServiceRestartRequested(String service, String reason) implements ServiceEvent {}

    /** The spawn helper was asked to start the service's process. */
    record ServiceSpawnRequested(String service, int attempt) implements ServiceEvent {}

    /** The process exists. */
    record ServiceSpawned(String service, int pid, String executable) implements ServiceEvent {}

    /** The process could not be started: at which step, with which errno. */
    record ServiceSpawnFailed(String service, String step, int errno, String message) implements ServiceEvent {}

    /** A process of the service ended (the main one, or another of its group). */
    record ServiceExited(String service, int pid, ExitStatus status, boolean mainProcess) implements ServiceEvent {}

    /** The service's stop-exec was started to stop it (instead of its stop signal). */
    record ServiceStopCommandStarted(String service, int pid) implements ServiceEvent {}

    /** A signal was sent to the service: to the main process, or to its whole group. */
    record ServiceSignalled(String service, int pid, int signal, boolean group) implements ServiceEvent {}

    /**
     * The kernel's OOM killer killed processes of the service's cgroup (its memory-max was reached): {@code kills}
     * new ones, {@code total} in the group's memory.events since it was made, and the {@code victims} the kernel's
     * log names — fewer than {@code kills}, or none, when there was no log to read or the kernel left a report out
     * (docs/runtime.md). The exits follow as usual.
     */
    record ServiceOomKilled(String service, long kills, long total, List<OomVictim> victims) implements ServiceEvent {
        public ServiceOomKilled {
            victims = List.copyOf(victims);
        }

        /** The kills in words, for the history and the service's log: {@code 3 processes (tail, pid 1234; 2 not named)}. */
        public String killed() {
            StringBuilder text = new StringBuilder().append(kills).append(kills == 1 ? " process" : " processes");
            if (victims.isEmpty()) return text.toString();
            text.append(" (");
            for (OomVictim v : victims) text.append(v.command()).append(", pid ").append(v.pid()).append("; ");
            long unnamed = kills - victims.size();
            if (unnamed > 0) text.append(unnamed).append(" not named; ");
            return text.replace(text.length() - 2, text.length(), ")").toString();
        }
    }

    /** A process the OOM killer killed, as the kernel's report names it: its pid and command name (its comm). */
    record OomVictim(int pid, String command) {}
}
