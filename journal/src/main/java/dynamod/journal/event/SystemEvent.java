package dynamod.journal.event;

import java.util.List;

/** The machine and the manager: boot, manager start and recovery, configuration, shutdown. */
public sealed interface SystemEvent extends Event {

    /** A boot began; the boot id is every event's. {@code mode}: boot, container or host. */
    record BootStarted(String mode, String kernel, String cmdline) implements SystemEvent {}

    /** A service manager process started; generation counts the managers of this boot, from 1. */
    record ManagerStarted(int generation, int pid) implements SystemEvent {}

    /** init saw the service manager die ({@code status}) and restarts it after {@code restartDelayMillis}. */
    record ManagerExited(int pid, ExitStatus status, long restartDelayMillis) implements SystemEvent {}

    /** init heard no heartbeat from the service manager for {@code silentMillis} and killed it. */
    record ManagerHung(int pid, long silentMillis) implements SystemEvent {}

    /** The manager rebuilt its state: from a snapshot (or none: -1) plus replayed events, and re-adopted processes. */
    record ManagerRecovered(long snapshotSeq, long eventsReplayed, long durationMicros, int processesAdopted,
            int exitsDiscovered) implements SystemEvent {}

    /**
     * A configuration was loaded: the files themselves (so that replay loads exactly what the manager loaded), their
     * content hash, counts, and the diagnostics' printed headlines.
     */
    record ConfigurationLoaded(String path, String contentHash, int services, int supervisors, int errors, int warnings,
            List<String> diagnostics, List<ConfigFile> files) implements SystemEvent {}

    /** One file of a loaded configuration: its absolute path, kind (service, supervisor, file) and bytes. */
    record ConfigFile(String path, String kind, byte[] bytes) {
        @Override
        public boolean equals(Object other) {
            return other instanceof ConfigFile o && path.equals(o.path) && kind.equals(o.kind) && java.util.Arrays.equals(bytes, o.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(path, kind, java.util.Arrays.hashCode(bytes));
        }

        @Override
        public String toString() {
            return "ConfigFile[" + path + " " + kind + " " + bytes.length + " bytes]";
        }
    }

    /** A shutdown was asked for: kind is poweroff, reboot, halt or exit (host and container mode); all must be down within the timeout. */
    record ShutdownRequested(String kind, String requestedBy, long timeoutMillis) implements SystemEvent {}

    /** The shutdown waits for a service: how long so far, and its limit. */
    record ShutdownProgressed(String waitingFor, long waitedMillis, long limitMillis) implements SystemEvent {}

    /** The shutdown ended; {@code clean}: every service stopped within its time. */
    record ShutdownFinished(String kind, boolean clean, int killed) implements SystemEvent {}
}
