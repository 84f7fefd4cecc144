package dynamod.journal.event;

import java.util.List;

/** The machine and the manager: boot, manager start and recovery, configuration, shutdown. */
public sealed interface SystemEvent extends Event {

    /** A boot began; the boot id is every event's. {@code mode}: boot, container or host. */
    record BootStarted(String mode, String kernel, String cmdline) implements SystemEvent {}

    /** A service manager process started; generation counts the managers of this boot, from 1. */
    record ManagerStarted(int generation, int pid) implements SystemEvent {}

    /** The manager rebuilt its state: from a snapshot (or none: -1) plus replayed events, and re-adopted processes. */
    record ManagerRecovered(long snapshotSeq, long eventsReplayed, long durationMicros, int processesAdopted,
            int exitsDiscovered) implements SystemEvent {}

    /** A configuration was loaded; the diagnostics are its printed headlines. */
    record ConfigurationLoaded(String path, String contentHash, int services, int supervisors, int errors, int warnings,
            List<String> diagnostics) implements SystemEvent {}

    /** A shutdown was asked for: kind is poweroff, reboot, halt or exit (host and container mode). */
    record ShutdownRequested(String kind, String requestedBy) implements SystemEvent {}

    /** The shutdown waits for a service: how long so far, and its limit. */
    record ShutdownProgressed(String waitingFor, long waitedMillis, long limitMillis) implements SystemEvent {}

    /** The shutdown ended; {@code clean}: every service stopped within its time. */
    record ShutdownFinished(String kind, boolean clean, int killed) implements SystemEvent {}
}
