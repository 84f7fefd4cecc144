package dynamod.journal.event;

/** The states of a service as the journal records them. */
public enum ServiceState {
    /** Not started, and not asked to be. */
    INACTIVE,
    /** Waiting for its dependencies (or a restart delay) before it is spawned. */
    WAITING,
    /** Spawned, not ready yet. */
    STARTING,
    /** Ready (running). */
    RUNNING,
    /** Reloading its configuration (RELOADING=1). */
    RELOADING,
    /** Asked to stop, not stopped yet. */
    STOPPING,
    /** Stopped on request; stays stopped until started. */
    STOPPED,
    /** A oneshot that finished successfully. */
    DONE,
    /** Ended abnormally, and the restart policy or the supervisor gave up on it. */
    FAILED,
    /** Cannot start: something it requires failed, stopped or is missing. */
    BLOCKED
}
