package dynamod.logd.query;

import dynamod.journal.Recorded;
import dynamod.journal.event.LogEvent.LinesSuppressed;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One entry of the log stream as journald would show it: the envelope's fields ({@code __CURSOR},
 * {@code __REALTIME_TIMESTAMP}, …, {@code _BOOT_ID}) and the line's, under journald's names. See docs/logs.md
 * for the mapping. A {@code LinesSuppressed} event becomes journald's "Suppressed N messages from UNIT" entry.
 */
public final class LogEntry {

    private final Recorded recorded;
    private final Cursor cursor;
    private final String service;
    private final int priority;
    private final int pid;
    private final String identifier;
    private final byte[] message;
    private final String transport;
    private final Map<String, byte[]> fields = new LinkedHashMap<>();

    private LogEntry(Recorded recorded, UUID journalId, String service, LogStream stream, int priority, int pid, String identifier,
            byte[] message, int flags) {
        this.recorded = recorded;
        this.service = service;
        this.priority = priority;
        this.pid = pid;
        this.identifier = identifier;
        this.message = message;
        this.transport = transport(stream);
        this.cursor = new Cursor(journalId, recorded.seq(), recorded.bootId(), monotonicMicros(), realtimeMicros());
        put("__CURSOR", cursor.format());
        put("__REALTIME_TIMESTAMP", Long.toString(realtimeMicros()));
        put("__MONOTONIC_TIMESTAMP", Long.toString(monotonicMicros()));
        put("__SEQNUM", Long.toString(recorded.seq()));
        put("__SEQNUM_ID", Cursor.Ids.hex(journalId));
        put("_BOOT_ID", Cursor.Ids.hex(recorded.bootId()));
        put("_TRANSPORT", transport);
        put("PRIORITY", Integer.toString(priority));
        if (!identifier.isEmpty()) put("SYSLOG_IDENTIFIER", identifier);
        if (pid > 0) put("_PID", Integer.toString(pid));
        if (!service.isEmpty()) {
            // The service's own output carries its unit as _SYSTEMD_UNIT; the manager's lines about it as UNIT, as
            // systemd's messages about a unit do.
            put(stream == LogStream.MANAGER || recorded.event() instanceof LinesSuppressed ? "UNIT" : "_SYSTEMD_UNIT", unit(service));
        }
        if (stream == LogStream.STDOUT || stream == LogStream.STDERR) put("_DYNAMOD_STREAM", stream == LogStream.STDOUT ? "stdout" : "stderr");
        if ((flags & LogLine.SPLIT) != 0) put("_LINE_BREAK", "line-max");
        else if ((flags & LogLine.PARTIAL) != 0) put("_LINE_BREAK", "eof");
        fields.put("MESSAGE", message);
    }

    /** The entry for a log stream event, or null for an event that is not one. */
    public static LogEntry of(Recorded recorded, UUID journalId) {
        return switch (recorded.event()) {
            case LogLine l -> new LogEntry(recorded, journalId, l.service(), l.stream(), l.priority(), l.pid(), l.identifier(), l.message(), l.flags());
            case LinesSuppressed s -> new LogEntry(recorded, journalId, s.service(), LogStream.MANAGER, 4, recorded.originPid(),
                    recorded.origin() == null ? "dynamod" : recorded.origin().displayName(),
                    suppressedMessage(s), 0);
            default -> null;
        };
    }

    /** The MESSAGE of a {@code LinesSuppressed} entry. */
    public static byte[] suppressedMessage(LinesSuppressed s) {
        return ("Suppressed " + s.count() + " messages from " + unit(s.service())).getBytes(StandardCharsets.UTF_8);
    }

    /** journald's _TRANSPORT for where the line came from. */
    public static String transport(LogStream stream) {
        return switch (stream) {
            case STDOUT, STDERR -> "stdout";
            case SYSLOG -> "syslog";
            case NATIVE -> "journal";
            case KERNEL -> "kernel";
            case MANAGER -> "driver";
        };
    }

    public static String unit(String service) {
        return service.endsWith(".service") ? service : service + ".service";
    }

    private void put(String name, String value) {
        fields.put(name, value.getBytes(StandardCharsets.UTF_8));
    }

    public Recorded recorded() {
        return recorded;
    }

    public Cursor cursor() {
        return cursor;
    }

    public long seq() {
        return recorded.seq();
    }

    public UUID bootId() {
        return recorded.bootId();
    }

    public long realtimeMicros() {
        return Math.floorDiv(recorded.realtimeNanos(), 1000L);
    }

    public long monotonicMicros() {
        return Math.floorDiv(recorded.monotonicNanos(), 1000L);
    }

    /** The service name ({@code web}), empty for lines of no service. */
    public String service() {
        return service;
    }

    public int priority() {
        return priority;
    }

    public int pid() {
        return pid;
    }

    public String identifier() {
        return identifier;
    }

    public byte[] message() {
        return message;
    }

    public String transport() {
        return transport;
    }

    /** Every field in journald's order: the envelope's ({@code __…}, {@code _BOOT_ID}) first, MESSAGE last. */
    public Map<String, byte[]> fields() {
        return Collections.unmodifiableMap(fields);
    }

    /** A field's value, or null if the entry has no such field. */
    public byte[] field(String name) {
        return fields.get(name);
    }
}
