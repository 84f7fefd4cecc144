package dynamod.journal.event;

/** Readiness and the sd_notify protocol: what the service told the manager, or what a probe saw. */
public sealed interface NotifyEvent extends Event {

    String service();

    /** The detector (notify, tcp-port, exec, fd, exit, spawn) saw the service ready, after {@code startMicros}. */
    record ServiceReady(String service, int pid, String detector, long startMicros) implements NotifyEvent {}

    /** Readiness did not come within the timeout. */
    record ReadinessTimedOut(String service, int pid, String detector, long timeoutMillis) implements NotifyEvent {}

    /** STATUS=…: free text for humans. */
    record StatusText(String service, int pid, String text) implements NotifyEvent {}

    /** RELOADING=1. */
    record Reloading(String service, int pid) implements NotifyEvent {}

    /** STOPPING=1. */
    record Stopping(String service, int pid) implements NotifyEvent {}

    /** WATCHDOG=1 (expired = false) or the watchdog timer ran out (expired = true). */
    record Watchdog(String service, int pid, boolean expired) implements NotifyEvent {}

    /** MAINPID=… or a forking daemon's pid-file: the main process is now {@code pid}. */
    record MainPidChanged(String service, int oldPid, int pid) implements NotifyEvent {}

    /** ERRNO=…: the service reports a failure code. */
    record ErrnoReported(String service, int pid, int errno) implements NotifyEvent {}
}
