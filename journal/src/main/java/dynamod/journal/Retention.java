package dynamod.journal;

import java.time.Duration;
import java.util.Optional;

/**
 * How much of a stream is kept: whole cycle files are deleted, oldest first, while the stream is larger than
 * {@code maxBytes} or a file ends more than {@code maxAge} ago. The file being written, and any the newest snapshot
 * still needs, are never deleted.
 */
public record Retention(long maxBytes, Optional<Duration> maxAge) {

    /** Events: 256 MiB, no age limit. */
    public static final Retention EVENTS_DEFAULT = new Retention(256L << 20, Optional.empty());

    /** Logs: 1 GiB, no age limit. */
    public static final Retention LOGS_DEFAULT = new Retention(1L << 30, Optional.empty());
}
