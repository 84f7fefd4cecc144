package dynamod.svmgr.core;

/** A timer the core asked for: whose it is and what for. A timer that fires after its reason passed is ignored. */
public record TimerId(String owner, Kind kind) {

    public enum Kind {
        /** A service's restart delay ended. */
        RESTART,
        /** A starting service's readiness timeout. */
        READY,
        /** A stopping service's stop timeout: then SIGKILL. */
        STOP,
        /** The global shutdown deadline. */
        SHUTDOWN,
        /** Time to say what the shutdown waits for. */
        SHUTDOWN_PROGRESS,
        /** The root's give-up delay ended (give-up = "restart"). */
        GIVE_UP
    }
}
