package dynamod.logd.query;

import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.LogEvent.LinesSuppressed;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.journal.text.Json;
import dynamod.journal.text.JsonParser;
import dynamod.logd.query.LogQuery.BootSpec;
import dynamod.logd.query.LogQuery.FieldMatch;
import dynamod.logd.query.LogQuery.Grep;
import dynamod.logd.query.LogQuery.Lines;
import dynamod.logd.query.LogQuery.MatchGroup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The protocol of logd's query socket ({@code STATE/run/logd.sock}, SOCK_STREAM): one JSON object a line (UTF-8,
 * {@code \n}-terminated), both ways.
 *
 * <pre>
 * client → logd   the LogQuery: {"matches":[[["FIELD","VALUE"],…],…],"units":[…],"identifiers":[…],
 *                 "boot":{"id":"…"|null,"offset":N}|null,"since":"ISO-8601 instant"|null,"until":…,"priorities":MASK,
 *                 "grep":{"pattern":"…","caseSensitive":B}|null,"cursor":"s=…;i=…"|null,"afterCursor":B,
 *                 "lines":{"kind":"ALL|TAIL|HEAD","count":N},"reverse":B,"follow":B,"kernelOnly":B}
 *                 or one of the other requests: {"request":"boots"} (--list-boots), {"request":"field","field":F,
 *                 "query":{the LogQuery}} (-F), {"request":"diskUsage"} (--disk-usage)
 * logd → client   {"journal":"32 hex digits"}                 first
 *                 {"seq":…,"rt":ns,"mono":ns,"boot":"hex","origin":CODE,"opid":PID,"line":{…}|"suppressed":{…}}
 *                                                          an entry, as the journal holds it; line: service, stream,
 *                                                          priority, pid, identifier, message (base64), flags, offset
 *                 {"caughtUp":true}                           everything there was has been sent (a follower waits)
 *                 {"boot":{"id":"hex","first":ns,"last":ns}}   a boot, oldest first (boots)
 *                 {"value":"base64"}                          a distinct value, in order of first appearance (field)
 *                 {"diskUsage":BYTES}                         (diskUsage)
 *                 {"end":true,"cursor":"…"|null}               the last; the cursor of the last entry sent
 *                 {"error":"…"}                               the query cannot be answered (as a QueryException)
 * </pre>
 *
 * Entries carry the journal's envelope and event rather than journald's fields so that the client builds the very
 * {@link LogEntry} the direct scan would, and prints it the same way.
 */
public final class Wire {

    private Wire() {}

    /** What a client asks for: a query's entries, or one of journalctl's other answers. */
    public sealed interface Request {
        record Entries(LogQuery query) implements Request {}

        record Boots() implements Request {}

        record FieldValues(LogQuery query, String field) implements Request {}

        record DiskUsage() implements Request {}
    }

    public static String request(Request request) {
        return switch (request) {
            case Request.Entries e -> query(e.query());
            case Request.Boots b -> "{\"request\":\"boots\"}";
            case Request.DiskUsage d -> "{\"request\":\"diskUsage\"}";
            case Request.FieldValues f -> {
                Map<String, Object> o = Json.object();
                o.put("request", "field");
                o.put("field", f.field());
                o.put("query", JsonParser.parse(query(f.query())));
                yield Json.write(o);
            }
        };
    }

    @SuppressWarnings("unchecked")
    public static Request parseRequest(String text) {
        Map<String, Object> o = object(text);
        if (!o.containsKey("request")) return new Request.Entries(parseQuery(o));
        return switch (JsonParser.string(o, "request")) {
            case "boots" -> new Request.Boots();
            case "diskUsage" -> new Request.DiskUsage();
            case "field" -> new Request.FieldValues(parseQuery((Map<String, Object>) o.get("query")), JsonParser.string(o, "field"));
            default -> throw new JsonParser.JsonException("unknown request " + o.get("request"));
        };
    }

    public static String boot(dynamod.journal.Boot b) {
        Map<String, Object> m = Json.object();
        m.put("id", Cursor.Ids.hex(b.id()));
        m.put("first", nanos(b.first()));
        m.put("last", nanos(b.last()));
        Map<String, Object> o = Json.object();
        o.put("boot", m);
        return Json.write(o);
    }

    /** A boot as --list-boots shows it (its id and times; the seq ranges stay logd's). */
    @SuppressWarnings("unchecked")
    public static dynamod.journal.Boot parseBoot(Map<String, Object> o) {
        Map<String, Object> m = (Map<String, Object>) o.get("boot");
        return new dynamod.journal.Boot(Cursor.Ids.parse(JsonParser.string(m, "id")), Instant.ofEpochSecond(0, JsonParser.integer(m, "first")),
                Instant.ofEpochSecond(0, JsonParser.integer(m, "last")), Map.of());
    }

    private static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    public static String value(byte[] value) {
        return "{\"value\":\"" + Base64.getEncoder().encodeToString(value) + "\"}";
    }

    public static String diskUsage(long bytes) {
        return "{\"diskUsage\":" + bytes + "}";
    }

    public static String query(LogQuery q) {
        Map<String, Object> o = Json.object();
        List<Object> groups = new ArrayList<>();
        for (MatchGroup g : q.matches()) groups.add(g.matches().stream().map(m -> List.of(m.field(), m.value())).toList());
        o.put("matches", groups);
        o.put("units", q.units());
        o.put("identifiers", q.identifiers());
        o.put("boot", q.boot().map(b -> {
            Map<String, Object> m = Json.object();
            m.put("id", b.id().orElse(null));
            m.put("offset", b.offset());
            return (Object) m;
        }).orElse(null));
        o.put("since", q.since().map(Instant::toString).orElse(null));
        o.put("until", q.until().map(Instant::toString).orElse(null));
        o.put("priorities", q.priorities());
        o.put("grep", q.grep().map(g -> {
            Map<String, Object> m = Json.object();
            m.put("pattern", g.pattern());
            m.put("caseSensitive", g.caseSensitive());
            return (Object) m;
        }).orElse(null));
        o.put("cursor", q.cursor().map(Cursor::format).orElse(null));
        o.put("afterCursor", q.afterCursor());
        Map<String, Object> lines = Json.object();
        lines.put("kind", q.lines().kind().name());
        lines.put("count", q.lines().count());
        o.put("lines", lines);
        o.put("reverse", q.reverse());
        o.put("follow", q.follow());
        o.put("kernelOnly", q.kernelOnly());
        return Json.write(o);
    }

    public static LogQuery parseQuery(String text) {
        return parseQuery(object(text));
    }

    @SuppressWarnings("unchecked")
    private static LogQuery parseQuery(Map<String, Object> o) {
        List<MatchGroup> groups = new ArrayList<>();
        for (Object g : JsonParser.list(o, "matches")) {
            List<FieldMatch> ms = new ArrayList<>();
            for (Object m : (List<Object>) g) {
                List<Object> pair = (List<Object>) m;
                ms.add(new FieldMatch((String) pair.get(0), (String) pair.get(1)));
            }
            groups.add(new MatchGroup(ms));
        }
        Optional<BootSpec> boot = Optional.ofNullable((Map<String, Object>) o.get("boot"))
                .map(b -> new BootSpec(JsonParser.optString(b, "id"), Math.toIntExact(JsonParser.integer(b, "offset"))));
        Optional<Grep> grep = Optional.ofNullable((Map<String, Object>) o.get("grep"))
                .map(g -> new Grep(JsonParser.string(g, "pattern"), JsonParser.bool(g, "caseSensitive")));
        Map<String, Object> lines = JsonParser.object(o, "lines");
        return new LogQuery(groups, strings(JsonParser.list(o, "units")), strings(JsonParser.list(o, "identifiers")), boot,
                JsonParser.optString(o, "since").map(Instant::parse), JsonParser.optString(o, "until").map(Instant::parse),
                Math.toIntExact(JsonParser.integer(o, "priorities")), grep, JsonParser.optString(o, "cursor").map(Cursor::parse),
                JsonParser.bool(o, "afterCursor"),
                new Lines(Lines.Kind.valueOf(JsonParser.string(lines, "kind")), Math.toIntExact(JsonParser.integer(lines, "count"))),
                JsonParser.bool(o, "reverse"), JsonParser.bool(o, "follow"), JsonParser.bool(o, "kernelOnly"));
    }

    private static List<String> strings(List<Object> list) {
        return list.stream().map(String.class::cast).toList();
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(String text) {
        Object v = JsonParser.parse(text);
        if (!(v instanceof Map)) throw new JsonParser.JsonException("expected an object");
        return (Map<String, Object>) v;
    }

    public static String journal(UUID journalId) {
        Map<String, Object> o = Json.object();
        o.put("journal", Cursor.Ids.hex(journalId));
        return Json.write(o);
    }

    public static String entry(LogEntry e) {
        Recorded r = e.recorded();
        Map<String, Object> o = Json.object();
        o.put("seq", r.seq());
        o.put("rt", r.realtimeNanos());
        o.put("mono", r.monotonicNanos());
        o.put("boot", Cursor.Ids.hex(r.bootId()));
        o.put("origin", r.origin() == null ? 0 : r.origin().code());
        o.put("opid", r.originPid());
        switch (r.event()) {
            case LogLine l -> {
                Map<String, Object> m = Json.object();
                m.put("service", l.service());
                m.put("stream", l.stream().name());
                m.put("priority", l.priority());
                m.put("pid", l.pid());
                m.put("identifier", l.identifier());
                m.put("message", Base64.getEncoder().encodeToString(l.message()));
                m.put("flags", l.flags());
                m.put("offset", l.sourceOffset());
                o.put("line", m);
            }
            case LinesSuppressed s -> {
                Map<String, Object> m = Json.object();
                m.put("service", s.service());
                m.put("count", s.count());
                m.put("interval", s.intervalMillis());
                o.put("suppressed", m);
            }
            default -> throw new IllegalArgumentException("not a log entry: " + r.event());
        }
        return Json.write(o);
    }

    /** The entry of a message that has "seq", null if it has none. */
    @SuppressWarnings("unchecked")
    public static LogEntry parseEntry(Map<String, Object> o, UUID journalId) {
        if (!o.containsKey("seq")) return null;
        int code = Math.toIntExact(JsonParser.integer(o, "origin"));
        Origin origin = code == 0 ? null : Origin.ofCode(code);
        dynamod.journal.event.Event event;
        if (o.containsKey("line")) {
            Map<String, Object> m = (Map<String, Object>) o.get("line");
            event = new LogLine(JsonParser.string(m, "service"), LogStream.valueOf(JsonParser.string(m, "stream")),
                    Math.toIntExact(JsonParser.integer(m, "priority")), Math.toIntExact(JsonParser.integer(m, "pid")),
                    JsonParser.string(m, "identifier"), Base64.getDecoder().decode(JsonParser.string(m, "message")),
                    Math.toIntExact(JsonParser.integer(m, "flags")), JsonParser.integer(m, "offset"));
        } else {
            Map<String, Object> m = (Map<String, Object>) o.get("suppressed");
            event = new LinesSuppressed(JsonParser.string(m, "service"), JsonParser.integer(m, "count"), JsonParser.integer(m, "interval"));
        }
        Recorded r = new Recorded(Stream.LOGS, JsonParser.integer(o, "seq"), JsonParser.integer(o, "rt"), JsonParser.integer(o, "mono"),
                Cursor.Ids.parse(JsonParser.string(o, "boot")), origin, Math.toIntExact(JsonParser.integer(o, "opid")), event);
        return LogEntry.of(r, journalId);
    }

    public static String caughtUp() {
        return "{\"caughtUp\":true}";
    }

    public static String end(Cursor last) {
        Map<String, Object> o = Json.object();
        o.put("end", true);
        o.put("cursor", last == null ? null : last.format());
        return Json.write(o);
    }

    public static String error(String message) {
        Map<String, Object> o = Json.object();
        o.put("error", message);
        return Json.write(o);
    }
}
