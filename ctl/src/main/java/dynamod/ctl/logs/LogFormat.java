package dynamod.ctl.logs;

import dynamod.logd.query.QueryException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** {@code -o}: journalctl's output modes that this command writes. */
public enum LogFormat {
    SHORT, SHORT_FULL, SHORT_ISO, SHORT_ISO_PRECISE, SHORT_PRECISE, SHORT_MONOTONIC, SHORT_UNIX, WITH_UNIT, CAT, JSON, JSON_PRETTY,
    EXPORT;

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The short modes and with-unit: one line per entry, boot separators, "-- No entries --". */
    public boolean isShort() {
        return this != CAT && this != JSON && this != JSON_PRETTY && this != EXPORT;
    }

    public static LogFormat parse(String text) {
        for (LogFormat f : values()) if (f.id().equals(text)) return f;
        throw new QueryException("invalid output mode '" + text + "': one of "
                + Arrays.stream(values()).map(LogFormat::id).collect(Collectors.joining(", ")));
    }
}
