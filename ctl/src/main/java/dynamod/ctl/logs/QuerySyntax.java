package dynamod.ctl.logs;

import dynamod.logd.query.Cursor;
import dynamod.logd.query.LogQuery;
import dynamod.logd.query.QueryException;
import dynamod.logd.query.LogQuery.BootSpec;
import dynamod.logd.query.LogQuery.FieldMatch;
import dynamod.logd.query.LogQuery.Lines;
import dynamod.logd.query.LogQuery.MatchGroup;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * journalctl's syntax for the parts of a query: times (systemd.time(7)), priorities, boots, {@code FIELD=VALUE}
 * matches, {@code -n}. Every parser throws {@link QueryException} with a message fit for the user.
 */
public final class QuerySyntax {

    private QuerySyntax() {}

    // ------------------------------------------------------------------ times

    private static final Map<String, BigDecimal> UNITS = new LinkedHashMap<>();

    static {
        BigDecimal us = BigDecimal.ONE, ms = BigDecimal.valueOf(1_000), s = BigDecimal.valueOf(1_000_000);
        BigDecimal min = s.multiply(BigDecimal.valueOf(60)), h = min.multiply(BigDecimal.valueOf(60)), d = h.multiply(BigDecimal.valueOf(24));
        for (String u : List.of("usec", "us", "µs", "μs")) UNITS.put(u, us);
        for (String u : List.of("msec", "ms")) UNITS.put(u, ms);
        for (String u : List.of("seconds", "second", "sec", "s")) UNITS.put(u, s);
        for (String u : List.of("minutes", "minute", "min", "m")) UNITS.put(u, min);
        for (String u : List.of("hours", "hour", "hr", "h")) UNITS.put(u, h);
        for (String u : List.of("days", "day", "d")) UNITS.put(u, d);
        for (String u : List.of("weeks", "week", "w")) UNITS.put(u, d.multiply(BigDecimal.valueOf(7)));
        for (String u : List.of("months", "month", "M")) UNITS.put(u, BigDecimal.valueOf(2_629_800).multiply(s)); // 30.44 days
        for (String u : List.of("years", "year", "y")) UNITS.put(u, BigDecimal.valueOf(31_557_600).multiply(s)); // 365.25 days
    }

    private static final Pattern SPAN_PART = Pattern.compile("\\s*(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*([a-zA-Zµμ]*)");

    /** A systemd time span ({@code 1h 30min}, {@code 5min}, {@code 30}: seconds), in microseconds. */
    public static long parseTimespanMicros(String text) {
        String t = text.strip();
        if (t.isEmpty()) throw new QueryException("empty time span");
        Matcher m = SPAN_PART.matcher(t);
        BigDecimal total = BigDecimal.ZERO;
        int at = 0;
        while (at < t.length()) {
            if (!m.find(at) || m.start() != at) throw new QueryException("invalid time span '" + text + "'");
            String unit = m.group(2);
            BigDecimal factor = unit.isEmpty() ? UNITS.get("s") : UNITS.get(unit);
            if (factor == null) factor = UNITS.get(unit.toLowerCase(Locale.ROOT));
            if (factor == null) throw new QueryException("invalid time span '" + text + "': unknown unit '" + unit + "'");
            total = total.add(new BigDecimal(m.group(1)).multiply(factor));
            at = m.end();
            while (at < t.length() && Character.isWhitespace(t.charAt(at))) at++;
        }
        return total.longValue();
    }

    private static final Pattern DATE_TIME = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2})(?:[ T](\\d{1,2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?))?\\s*(Z|UTC|[+-]\\d{2}:?\\d{2}|[A-Za-z_]+/[A-Za-z_/+-]+)?");
    private static final Pattern TIME_ONLY = Pattern.compile("(\\d{1,2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?)\\s*(Z|UTC)?");
    private static final Pattern WEEKDAY = Pattern.compile("(?i)(mon|tue|wed|thu|fri|sat|sun)[a-z]*\\s+");

    /**
     * A point in time as systemd.time(7) writes it: {@code 2026-12-01 10:00[:00[.frac]]}, {@code 2026-12-01}
     * (midnight), {@code 10:00} (today), ISO 8601 with {@code T} and an offset or {@code Z}, a trailing
     * {@code UTC} or zone id, {@code @epoch-seconds}, {@code now}, {@code today}, {@code yesterday},
     * {@code tomorrow}, and relative times {@code -1h}, {@code +5min}, {@code 2d ago}. Local times are in
     * {@code zone}.
     */
    public static Instant parseTime(String text, Instant now, ZoneId zone) {
        String t = text.strip();
        if (t.isEmpty()) throw new QueryException("empty time");
        LocalDate today = now.atZone(zone).toLocalDate();
        switch (t) {
            case "now" -> {
                return now;
            }
            case "today" -> {
                return today.atStartOfDay(zone).toInstant();
            }
            case "yesterday" -> {
                return today.minusDays(1).atStartOfDay(zone).toInstant();
            }
            case "tomorrow" -> {
                return today.plusDays(1).atStartOfDay(zone).toInstant();
            }
            default -> {}
        }
        try {
            if (t.startsWith("@")) {
                BigDecimal seconds = new BigDecimal(t.substring(1));
                long micros = seconds.movePointRight(6).longValueExact();
                return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
            }
            if (t.startsWith("-") || t.startsWith("+")) {
                long micros = parseTimespanMicros(t.substring(1));
                return t.charAt(0) == '-' ? now.minusNanos(Math.multiplyExact(micros, 1000L)) : now.plusNanos(Math.multiplyExact(micros, 1000L));
            }
            if (t.endsWith(" ago")) {
                return now.minusNanos(Math.multiplyExact(parseTimespanMicros(t.substring(0, t.length() - 4)), 1000L));
            }
            if (t.endsWith(" left")) {
                return now.plusNanos(Math.multiplyExact(parseTimespanMicros(t.substring(0, t.length() - 5)), 1000L));
            }
            Matcher weekday = WEEKDAY.matcher(t);
            if (weekday.lookingAt()) t = t.substring(weekday.end());
            Matcher m = DATE_TIME.matcher(t);
            if (m.matches()) {
                LocalDate date = LocalDate.parse(m.group(1));
                LocalTime time = m.group(2) == null ? LocalTime.MIDNIGHT : time(m.group(2));
                return atZone(LocalDateTime.of(date, time), m.group(3), zone);
            }
            m = TIME_ONLY.matcher(t);
            if (m.matches()) {
                ZoneId z = m.group(2) == null ? zone : ZoneOffset.UTC;
                return LocalDateTime.of(now.atZone(z).toLocalDate(), time(m.group(1))).atZone(z).toInstant();
            }
            try {
                return OffsetDateTime.parse(t).toInstant();
            } catch (DateTimeException e) {
                // fall through
            }
        } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
            throw new QueryException("invalid time '" + text + "': " + e.getMessage());
        }
        throw new QueryException("invalid time '" + text + "' (try 2026-12-01 10:00:00, today, yesterday, now, -1h, +5min)");
    }

    private static LocalTime time(String text) {
        String[] hm = text.split(":", 3);
        String padded = (hm[0].length() == 1 ? "0" : "") + text;
        return LocalTime.parse(hm.length == 2 ? padded + ":00" : padded);
    }

    private static Instant atZone(LocalDateTime local, String zoneText, ZoneId zone) {
        if (zoneText == null) return local.atZone(zone).toInstant();
        if (zoneText.equals("Z") || zoneText.equals("UTC")) return local.toInstant(ZoneOffset.UTC);
        if (zoneText.startsWith("+") || zoneText.startsWith("-")) {
            String z = zoneText.contains(":") ? zoneText : zoneText.substring(0, 3) + ":" + zoneText.substring(3);
            return local.toInstant(ZoneOffset.of(z));
        }
        return ZonedDateTime.of(local, ZoneId.of(zoneText)).toInstant();
    }

    // ------------------------------------------------------------------ priorities

    private static final Map<String, Integer> LEVELS = Map.ofEntries(
            Map.entry("emerg", 0), Map.entry("panic", 0), Map.entry("alert", 1), Map.entry("crit", 2), Map.entry("err", 3),
            Map.entry("error", 3), Map.entry("warning", 4), Map.entry("warn", 4), Map.entry("notice", 5), Map.entry("info", 6),
            Map.entry("debug", 7));

    public static final List<String> PRIORITY_NAMES = List.of("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug");

    public static int level(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Integer named = LEVELS.get(t);
        if (named != null) return named;
        if (t.length() == 1 && t.charAt(0) >= '0' && t.charAt(0) <= '7') return t.charAt(0) - '0';
        throw new QueryException("invalid priority '" + text + "': a level 0-7 or one of " + String.join(", ", PRIORITY_NAMES)
                + " (or a range such as warning..err)");
    }

    /** {@code -p}: a level means it and everything more important; {@code a..b} the levels between, inclusive. */
    public static int parsePriorities(String text) {
        int dots = text.indexOf("..");
        if (dots < 0) return (1 << (level(text) + 1)) - 1;
        String from = text.substring(0, dots), to = text.substring(dots + 2);
        int a = from.isBlank() ? 0 : level(from), b = to.isBlank() ? 7 : level(to);
        int mask = 0;
        for (int i = Math.min(a, b); i <= Math.max(a, b); i++) mask |= 1 << i;
        return mask;
    }

    // ------------------------------------------------------------------ boots

    private static final Pattern BOOT = Pattern.compile(
            "([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})?([+-]?\\d+)?");

    /** {@code -b} with no value, {@code 0}, {@code -0}, {@code -1}, {@code 1}, an id, or an id with {@code ±N}. */
    public static BootSpec parseBoot(String text) {
        if (text == null || text.isBlank()) return BootSpec.CURRENT;
        String t = text.strip();
        Matcher m = BOOT.matcher(t);
        if (m.matches() && (m.group(1) == null || Cursor.Ids.isId(m.group(1)))) {
            Optional<String> id = Optional.ofNullable(m.group(1)).map(i -> Cursor.Ids.hex(Cursor.Ids.parse(i)));
            int offset = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
            if (id.isPresent() || m.group(2) != null) return new BootSpec(id, offset);
        }
        throw new QueryException("invalid boot '" + text + "': an offset (0 the current boot, -1 the one before, 1 the first) or a boot id");
    }

    /** Whether {@code -b}'s optional value is really one, or the positional argument after a bare {@code -b}. */
    public static boolean looksLikeBoot(String text) {
        try {
            parseBoot(text);
            return true;
        } catch (QueryException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ -n

    /** {@code N} (the last N), {@code +N} (the first N), {@code all}. */
    public static Lines parseLines(String text) {
        String t = text.strip();
        if (t.equals("all")) return Lines.ALL;
        try {
            if (t.startsWith("+")) return Lines.head(nonNegative(Integer.parseInt(t.substring(1)), text));
            return Lines.tail(nonNegative(Integer.parseInt(t), text));
        } catch (NumberFormatException e) {
            throw new QueryException("invalid number of lines '" + text + "': a number, +N (the first N) or all");
        }
    }

    private static int nonNegative(int n, String text) {
        if (n < 0) throw new QueryException("invalid number of lines '" + text + "'");
        return n;
    }

    public static boolean looksLikeLines(String text) {
        try {
            parseLines(text);
            return true;
        } catch (QueryException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ matches

    private static final Pattern FIELD = Pattern.compile("[A-Z_][A-Z0-9_]*");

    public static String field(String name) {
        if (!FIELD.matcher(name).matches() || name.length() > 64) {
            throw new QueryException("invalid field name '" + name + "': upper-case letters, digits and _ (e.g. _SYSTEMD_UNIT, PRIORITY)");
        }
        return name;
    }

    /** {@code FIELD=VALUE …} with {@code +} between groups. _BOOT_ID values may be given with dashes. */
    public static List<MatchGroup> parseMatches(List<String> words) {
        List<MatchGroup> groups = new ArrayList<>();
        List<FieldMatch> current = new ArrayList<>();
        for (String word : words) {
            if (word.equals("+")) {
                if (current.isEmpty()) throw new QueryException("'+' must stand between two groups of FIELD=VALUE matches");
                groups.add(new MatchGroup(current));
                current = new ArrayList<>();
                continue;
            }
            int eq = word.indexOf('=');
            if (eq < 0) {
                throw new QueryException("invalid match '" + word + "': FIELD=VALUE (e.g. _SYSTEMD_UNIT=web.service), or + between groups"
                        + (word.startsWith("/") ? "; matching by executable path is not supported" : ""));
            }
            String field = field(word.substring(0, eq));
            String value = word.substring(eq + 1);
            if (field.equals("_BOOT_ID") && Cursor.Ids.isId(value)) value = Cursor.Ids.hex(Cursor.Ids.parse(value));
            current.add(new FieldMatch(field, value));
        }
        if (!current.isEmpty()) groups.add(new MatchGroup(current));
        else if (!groups.isEmpty()) throw new QueryException("'+' must stand between two groups of FIELD=VALUE matches");
        return groups;
    }

    // ------------------------------------------------------------------ globs

    /** An fnmatch glob ({@code *}, {@code ?}, {@code [...]}, {@code [!...]}) as a regex. */
    public static Pattern glob(String glob) {
        return dynamod.logd.query.Glob.compile(glob);
    }
}
