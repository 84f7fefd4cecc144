package dynamod.journal.text;

import dynamod.journal.Recorded;
import dynamod.journal.event.EventFields;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Recorded events for people and for scripts: one readable line, or a JSON object. */
public final class EventText {

    private EventText() {}

    /** {@code 2026-12-01T10:00:00.123456Z events #5134000000c7 svmgr[812] ServiceReady service=web ...} */
    public static String line(Recorded r) {
        String fields = EventFields.of(r.event()).entrySet().stream()
                .map(e -> e.getKey() + "=" + value(e.getValue())).collect(Collectors.joining(" "));
        return r.realtime() + " " + r.stream().directory() + " #" + Long.toHexString(r.seq()) + " "
                + r.origin().name().toLowerCase(Locale.ROOT) + "[" + r.originPid() + "] "
                + r.event().getClass().getSimpleName() + (fields.isEmpty() ? "" : " " + fields);
    }

    private static String value(Object value) {
        if (value instanceof String s) return s.isEmpty() || s.chars().anyMatch(c -> c <= ' ' || c == '"') ? Json.write(s) : s;
        return String.valueOf(value);
    }

    public static Map<String, Object> toJson(Recorded r) {
        Map<String, Object> json = Json.object();
        json.put("stream", r.stream().directory());
        json.put("seq", r.seq());
        json.put("realtime", r.realtime().toString());
        json.put("realtimeNanos", r.realtimeNanos());
        json.put("monotonicNanos", r.monotonicNanos());
        json.put("bootId", r.bootId().toString());
        json.put("origin", r.origin().name().toLowerCase(Locale.ROOT));
        json.put("originPid", r.originPid());
        json.put("type", r.event().getClass().getSimpleName());
        json.put("event", EventFields.of(r.event()));
        return json;
    }
}
