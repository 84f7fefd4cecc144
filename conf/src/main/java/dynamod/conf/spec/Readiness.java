package dynamod.conf.spec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How the manager learns that a started service is ready, so that the services after it may start. */
public sealed interface Readiness {

    /** How long the service may take to become ready before its start counts as failed; empty: no limit. */
    Optional<Duration> timeout();

    /** Ready as soon as the process has been spawned. */
    record Immediate() implements Readiness {
        @Override
        public Optional<Duration> timeout() {
            return Optional.empty();
        }
    }

    /**
     * Ready when the spawned process exits 0: a oneshot is then done; a forking service's daemon is then running
     * (its main pid from the pid-file or the surviving child).
     */
    record Exit(Optional<Duration> timeout) implements Readiness {}

    /** {@code READY=1} on {@code $NOTIFY_SOCKET} (sd_notify). */
    record Notify(Optional<Duration> timeout) implements Readiness {}

    /** A TCP connection to host:port succeeds, tried every interval. */
    record TcpPort(String host, int port, Duration interval, Optional<Duration> timeout) implements Readiness {}

    /** The check command exits 0, run every interval. */
    record Exec(List<String> command, Duration interval, Optional<Duration> timeout) implements Readiness {
        public Exec {
            command = List.copyOf(command);
        }
    }

    /** The s6 protocol: the service writes a newline to file descriptor {@code fd} ({@code $DYNAMOD_READY_FD}). */
    record Fd(int fd, Optional<Duration> timeout) implements Readiness {}
}
