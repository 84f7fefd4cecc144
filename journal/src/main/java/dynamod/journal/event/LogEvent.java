package dynamod.journal.event;

/** Log lines: the bytes exactly as the service wrote them (UTF-8 or not), one line per event. */
public sealed interface LogEvent extends Event {

    /**
     * One line. {@code priority} is syslog's 0 (emerg) to 7 (debug); {@code identifier} the syslog tag or the
     * service name; {@code flags} mark a line split because it was too long, or flushed without a newline;
     * {@code sourceOffset} is where the line ends in its capture spool (the byte after it), so that a capture that
     * restarts knows exactly which bytes are in the journal already; -1 for sources without one.
     */
    record LogLine(String service, LogStream stream, int priority, int pid, String identifier, byte[] message, int flags,
            long sourceOffset) implements LogEvent {

        public static final int SPLIT = 1;
        public static final int PARTIAL = 2;

        /** A line from a source without a spool (the manager's own lines, sockets). */
        public LogLine(String service, LogStream stream, int priority, int pid, String identifier, byte[] message, int flags) {
            this(service, stream, priority, pid, identifier, message, flags, -1);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof LogLine o && service.equals(o.service) && stream == o.stream && priority == o.priority
                    && pid == o.pid && identifier.equals(o.identifier) && java.util.Arrays.equals(message, o.message)
                    && flags == o.flags && sourceOffset == o.sourceOffset;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(service, stream, priority, pid, identifier, java.util.Arrays.hashCode(message), flags,
                    sourceOffset);
        }

        @Override
        public String toString() {
            return "LogLine[" + service + " " + stream + " <" + priority + "> " + pid + " " + identifier + ": "
                    + new String(message, java.nio.charset.StandardCharsets.UTF_8) + (flags != 0 ? " flags=" + flags : "") + "]";
        }
    }

    /** A rate limit dropped lines of a service; they are counted, not lost silently. */
    record LinesSuppressed(String service, long count, long intervalMillis) implements LogEvent {}
}
