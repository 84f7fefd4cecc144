package dynamod.ctl.diag;

import dynamod.conf.value.Durations;
import dynamod.journal.event.CommandEvent;
import dynamod.journal.event.CommandEvent.CommandAccepted;
import dynamod.journal.event.CommandEvent.CommandRejected;
import dynamod.journal.event.Event;
import dynamod.journal.event.EventFields;
import dynamod.journal.event.JournalEvent;
import dynamod.journal.event.JournalEvent.JournalDamaged;
import dynamod.journal.event.JournalEvent.JournalPruned;
import dynamod.journal.event.LogEvent;
import dynamod.journal.event.LogEvent.LinesSuppressed;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.NotifyEvent;
import dynamod.journal.event.NotifyEvent.ErrnoReported;
import dynamod.journal.event.NotifyEvent.MainPidChanged;
import dynamod.journal.event.NotifyEvent.ReadinessTimedOut;
import dynamod.journal.event.NotifyEvent.Reloading;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.NotifyEvent.StatusText;
import dynamod.journal.event.NotifyEvent.Stopping;
import dynamod.journal.event.NotifyEvent.Watchdog;
import dynamod.journal.event.ServiceEvent;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceOomKilled;
import dynamod.journal.event.ServiceEvent.ServiceRestartRequested;
import dynamod.journal.event.ServiceEvent.ServiceSignalled;
import dynamod.journal.event.ServiceEvent.ServiceSpawnFailed;
import dynamod.journal.event.ServiceEvent.ServiceSpawnRequested;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceEvent.ServiceStopCommandStarted;
import dynamod.journal.event.ServiceEvent.ServiceTargetSet;
import dynamod.journal.event.SupervisorEvent;
import dynamod.journal.event.SupervisorEvent.Escalated;
import dynamod.journal.event.SupervisorEvent.GaveUp;
import dynamod.journal.event.SupervisorEvent.GroupRestarting;
import dynamod.journal.event.SupervisorEvent.GroupStopped;
import dynamod.journal.event.SupervisorEvent.IntensityExceeded;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import dynamod.journal.event.SupervisorEvent.SupervisorRestarted;
import dynamod.journal.event.SystemEvent;
import dynamod.journal.event.SystemEvent.BootStarted;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import dynamod.journal.event.SystemEvent.ManagerExited;
import dynamod.journal.event.SystemEvent.ManagerHung;
import dynamod.journal.event.SystemEvent.ManagerRecovered;
import dynamod.journal.event.SystemEvent.ManagerStarted;
import dynamod.journal.event.SystemEvent.ShutdownFinished;
import dynamod.journal.event.SystemEvent.ShutdownProgressed;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Events in words: who an event is about, and what happened, for people reading a history. */
public final class EventWords {

    private EventWords() {}

    /** What system events are about: the manager and the machine, not one service. */
    public static final String SYSTEM = "dynamod";

    /** The kinds of the events stream: the event groups of the journal but log lines (the logs stream has those). */
    public static final List<String> KINDS = List.of("system", "service", "supervisor", "notify", "command", "journal");

    public static String kind(Event event) {
        return switch (event) {
            case SystemEvent e -> "system";
            case ServiceEvent e -> "service";
            case SupervisorEvent e -> "supervisor";
            case NotifyEvent e -> "notify";
            case CommandEvent e -> "command";
            case LogEvent e -> "log";
            case JournalEvent e -> "journal";
        };
    }

    /** The service or supervisor the event is about; {@link #SYSTEM} for the manager's own. */
    public static String subject(Event event) {
        return switch (event) {
            case ServiceEvent e -> e.service();
            case NotifyEvent e -> e.service();
            case RestartScheduled e -> e.child();
            case SupervisorEvent e -> e.supervisor();
            case CommandEvent.CommandAccepted e -> commandSubject(e.command(), e.target());
            case CommandEvent.CommandRejected e -> commandSubject(e.command(), e.target());
            case LogLine e -> e.service();
            case LinesSuppressed e -> e.service();
            case SystemEvent e -> SYSTEM;
            case JournalEvent e -> SYSTEM;
        };
    }

    /** A command's target is a service or supervisor, except for the manager's own (a shutdown's kind, a configuration's path). */
    private static String commandSubject(String command, String target) {
        return target.isEmpty() || command.equals("shutdown") || command.equals("load-configuration") ? SYSTEM : target;
    }

    /** Every service and supervisor the event names: what {@code history -u} matches. */
    public static Set<String> names(Event event) {
        Set<String> names = new LinkedHashSet<>();
        names.add(subject(event));
        switch (event) {
            case RestartScheduled e -> names.add(e.supervisor());
            case GroupRestarting e -> {
                names.add(e.trigger());
                names.addAll(e.services());
                names.addAll(e.supervisors());
            }
            case GroupStopped e -> names.addAll(e.members());
            case Escalated e -> names.add(e.parent());
            case ServiceStateChanged e -> e.cause().ifPresent(names::add);
            case ShutdownProgressed e -> names.add(e.waitingFor());
            default -> {}
        }
        return names;
    }

    /** What happened, in words: "failed (was running): exited 1; temporary: not restarted". */
    public static String text(Event event) {
        return switch (event) {
            case BootStarted e -> "boot started (" + e.mode() + ", kernel " + e.kernel() + ")";
            case ManagerStarted e -> "manager started (generation " + e.generation() + ", pid " + e.pid() + ")";
            case ManagerExited e -> "manager (pid " + e.pid() + ") " + e.status() + "; init restarts it in " + millis(e.restartDelayMillis());
            case ManagerHung e -> "manager (pid " + e.pid() + ") silent for " + millis(e.silentMillis()) + ": init killed it";
            case ManagerRecovered e -> "manager recovered: " + e.eventsReplayed() + " events replayed"
                    + (e.snapshotSeq() >= 0 ? " after snapshot #" + Long.toHexString(e.snapshotSeq()) : "") + ", "
                    + e.processesAdopted() + " processes adopted, " + e.exitsDiscovered() + " exits found";
            case ConfigurationLoaded e -> "configuration loaded from " + e.path() + ": " + e.services() + " services, "
                    + e.supervisors() + " supervisors" + (e.errors() > 0 ? ", " + e.errors() + " errors" : "")
                    + (e.warnings() > 0 ? ", " + e.warnings() + " warnings" : "");
            case ShutdownRequested e -> "shutdown (" + e.kind() + ") requested by " + e.requestedBy() + ", within " + millis(e.timeoutMillis());
            case ShutdownProgressed e -> "shutdown waits for " + e.waitingFor() + " (" + millis(e.waitedMillis()) + " of " + millis(e.limitMillis()) + ")";
            case ShutdownFinished e -> "shutdown (" + e.kind() + ") finished" + (e.clean() ? " cleanly" : ", " + e.killed() + " killed");

            case ServiceStateChanged e -> e.to().name().toLowerCase(Locale.ROOT) + " (was " + e.from().name().toLowerCase(Locale.ROOT) + "): "
                    + e.reason() + e.cause().filter(c -> !e.reason().contains(c)).map(c -> " (by " + c + ")").orElse("");
            case ServiceTargetSet e -> (e.up() ? "to be up: " : "to stay down: ") + e.reason();
            case ServiceRestartRequested e -> "restart requested: " + e.reason();
            case ServiceSpawnRequested e -> "spawn requested (attempt " + e.attempt() + ")";
            case ServiceSpawned e -> "process " + e.pid() + " started: " + e.executable();
            case ServiceSpawnFailed e -> "could not start (" + e.step() + (e.errno() != 0 ? ", errno " + e.errno() : "") + "): " + e.message();
            case ServiceExited e -> "process " + e.pid() + " " + e.status() + (e.mainProcess() ? "" : " (not the main process)");
            case ServiceStopCommandStarted e -> "stop command started (pid " + e.pid() + ")";
            case ServiceOomKilled e -> "out of memory: the kernel killed " + e.killed()
                    + " of its cgroup (" + e.total() + " in all)";
            case ServiceSignalled e -> "signal " + e.signal() + " sent to " + (e.group() ? "the process group of " : "pid ") + e.pid();

            case RestartScheduled e -> "restart " + e.attempt() + " by " + e.supervisor()
                    + (e.delayMillis() > 0 ? " in " + millis(e.delayMillis()) : "") + ": " + e.reason();
            case GroupRestarting e -> e.strategy() + " restart of " + String.join(", ", members(e)) + " after " + e.trigger();
            case GroupStopped e -> "group stopped: " + String.join(", ", e.members());
            case IntensityExceeded e -> "exceeded its restart intensity: " + e.restarts() + " restarts within " + millis(e.windowMillis())
                    + ", at most " + e.maxRestarts() + " allowed";
            case Escalated e -> "escalated to " + e.parent();
            case SupervisorRestarted e -> "restarted (" + e.strategy() + ")";
            case GaveUp e -> "gave up (give-up = " + e.policy() + ")";

            case ServiceReady e -> "ready (" + e.detector() + ", " + millis(e.startMicros() / 1000) + " after start)";
            case ReadinessTimedOut e -> "not ready within " + millis(e.timeoutMillis()) + " (" + e.detector() + ")";
            case StatusText e -> "status: " + e.text();
            case Reloading e -> "reloading";
            case Stopping e -> "stopping (its own word)";
            case Watchdog e -> e.expired() ? "watchdog expired" : "watchdog ping";
            case MainPidChanged e -> "main process " + e.oldPid() + " -> " + e.pid();
            case ErrnoReported e -> "reported errno " + e.errno();

            case CommandAccepted e -> e.command() + " accepted" + caller(e.callerUid(), e.callerPid());
            case CommandRejected e -> e.command() + " rejected" + caller(e.callerUid(), e.callerPid()) + ": " + e.reason();

            case LogLine e -> "log: " + EventFields.text(e.message());
            case LinesSuppressed e -> e.count() + " log lines suppressed (rate limit, " + millis(e.intervalMillis()) + ")";

            case JournalDamaged e -> "journal damaged: " + e.queue() + " " + e.file() + ", " + e.bytesSkipped() + " bytes skipped: " + e.reason();
            case JournalPruned e -> "journal pruned: " + e.file() + " (" + e.bytes() + " bytes): " + e.reason();
        };
    }

    public static String caller(int uid, int pid) {
        return " (uid " + uid + ", pid " + pid + ")";
    }

    private static List<String> members(GroupRestarting e) {
        List<String> all = new ArrayList<>(e.supervisors());
        for (String s : e.services()) if (!all.contains(s)) all.add(s);
        return all;
    }

    static String millis(long millis) {
        return Durations.format(Duration.ofMillis(millis));
    }
}
