package dynamod.journal.event;

/** Log lines: the bytes exactly as the service wrote them (UTF-8 or not), one line per event. */
public sealed interface LogEvent extends Event {

    /**
     * One line. {@code priority} is syslog's 0 (emerg) to 7 (debug); {@code identifier} the syslog tag or the
     * service name; {@code flags} mark a line split because it was too long, or flushed without a newline.
     */
    record LogLine(String service, LogStream stream, int priority, int pid, String identifier, byte[] message, int flags)
            implements LogEvent {

        public static final int SPLIT = 1;
        public static final int PARTIAL = 2;

        @Override
        public boolean equals(Object other) {
            return other instanceof LogLine o && service.equals(o.service) && stream == o.stream && priority == o.priority
                    && pid == o.pid && identifier.equals(o.identifier) && java.util.Arrays.equals(message, o.message)
                    && flags == o.flags;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(service, stream, priority, pid, identifier, java.util.Arrays.hashCode(message), flags);
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
