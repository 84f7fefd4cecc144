package dynamod.logd.query;

import dynamod.logd.query.LogQuery.FieldMatch;
import dynamod.logd.query.LogQuery.MatchGroup;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A query's filters compiled into a predicate on entries: units, identifiers, priorities, grep, time range,
 * {@code FIELD=VALUE} groups, {@code -k}, and the resolved boot. Positioning (boot start, cursor, since) is the
 * source's business; this also checks them, so a source may over-read.
 */
public final class LogMatcher implements Predicate<LogEntry> {

    private final List<Pattern> units;
    private final List<String> identifiers;
    private final int priorities;
    private final Pattern grep;
    private final long sinceMicros, untilMicros;
    private final List<Map<String, List<byte[]>>> groups;
    private final boolean kernelOnly;
    private final Optional<UUID> boot;

    public LogMatcher(LogQuery query, Optional<UUID> boot) {
        this.units = query.units().stream().map(Glob::compile).toList();
        this.identifiers = query.identifiers();
        this.priorities = query.priorities();
        this.grep = query.grep().map(LogMatcher::compile).orElse(null);
        this.sinceMicros = query.since().map(LogMatcher::micros).orElse(Long.MIN_VALUE);
        this.untilMicros = query.until().map(LogMatcher::micros).orElse(Long.MAX_VALUE);
        this.groups = new ArrayList<>();
        for (MatchGroup group : query.matches()) {
            Map<String, List<byte[]>> byField = new LinkedHashMap<>();
            for (FieldMatch m : group.matches()) {
                byField.computeIfAbsent(m.field(), f -> new ArrayList<>()).add(m.value().getBytes(StandardCharsets.UTF_8));
            }
            groups.add(byField);
        }
        this.kernelOnly = query.kernelOnly();
        this.boot = boot;
    }

    /** journalctl's smart case: a pattern without upper-case letters matches case-insensitively, unless told. */
    public static Pattern compile(LogQuery.Grep grep) {
        try {
            return Pattern.compile(grep.pattern(), grep.caseSensitive() ? 0 : Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        } catch (PatternSyntaxException e) {
            throw new QueryException("invalid --grep pattern: " + e.getDescription() + " near index " + e.getIndex() + " of '"
                    + grep.pattern() + "'");
        }
    }

    /** Whether a compiled --grep pattern occurs in a message (bytes decoded as UTF-8, malformed ones replaced). */
    public static boolean found(Pattern grep, byte[] message, int offset, int length) {
        return grep.matcher(new String(message, offset, length, StandardCharsets.UTF_8)).find();
    }

    /** Whether --grep is case-sensitive when not told: only if the pattern has an upper-case letter. */
    public static boolean smartCaseSensitive(String pattern) {
        return pattern.chars().anyMatch(Character::isUpperCase);
    }

    static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    @Override
    public boolean test(LogEntry e) {
        if (boot.isPresent() && !boot.get().equals(e.bootId())) return false;
        long t = e.realtimeMicros();
        if (t < sinceMicros || t > untilMicros) return false;
        int p = e.priority();
        if (priorities != LogQuery.ALL_PRIORITIES && (p < 0 || p > 7 || (priorities & (1 << p)) == 0)) return false;
        if (kernelOnly && !e.transport().equals("kernel")) return false;
        if (!identifiers.isEmpty() && !identifiers.contains(e.identifier())) return false;
        if (!units.isEmpty() && !unitMatches(e)) return false;
        if (!groups.isEmpty() && groups.stream().noneMatch(g -> groupMatches(g, e))) return false;
        if (grep != null && !found(grep, e.message(), 0, e.message().length)) return false;
        return true;
    }

    private boolean unitMatches(LogEntry e) {
        if (e.service().isEmpty()) return false;
        String unit = LogEntry.unit(e.service());
        for (Pattern p : units) {
            if (p.matcher(e.service()).matches() || p.matcher(unit).matches()) return true;
        }
        return false;
    }

    private static boolean groupMatches(Map<String, List<byte[]>> group, LogEntry e) {
        for (Map.Entry<String, List<byte[]>> field : group.entrySet()) {
            byte[] value = e.field(field.getKey());
            if (value == null || field.getValue().stream().noneMatch(v -> Arrays.equals(v, value))) return false;
        }
        return true;
    }
}
