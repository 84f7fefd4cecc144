package dynamod.journal.event;

/**
 * The shapes of event versions that are no longer written but must still be read: each is decoded as it was and
 * upgraded to the current record (see {@link EventTypes}). A journal written by an older dynamod stays readable.
 */
public final class Legacy {

    private Legacy() {}

    /** {@code LogLine} version 1: before {@code sourceOffset}. */
    public record LogLineV1(String service, LogStream stream, int priority, int pid, String identifier, byte[] message, int flags) {
        LogEvent.LogLine upgrade() {
            return new LogEvent.LogLine(service, stream, priority, pid, identifier, message, flags, -1);
        }
    }

    /** {@code ServiceOomKilled} version 1: before {@code victims}. */
    public record ServiceOomKilledV1(String service, long kills, long total) {
        ServiceEvent.ServiceOomKilled upgrade() {
            return new ServiceEvent.ServiceOomKilled(service, kills, total, java.util.List.of());
        }
    }
}
