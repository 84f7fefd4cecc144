package dynamod.logd.query;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What {@code dynamodctl logs} asks for, with everything relative already resolved (times are instants, priority
 * names are a mask), so the same value can be answered by reading the journal directly ({@link JournalLogs}) or,
 * later, sent to logd and answered from its indexes. Parsed from journalctl's vocabulary by ctl's {@code QuerySyntax}.
 *
 * @param matches {@code FIELD=VALUE} groups, ORed (journalctl's {@code +}); empty: every entry
 * @param units {@code -u} globs; an entry matches if its unit matches any (with or without {@code .service})
 * @param identifiers {@code -t}: SYSLOG_IDENTIFIER, any of them
 * @param boot {@code -b}: which boot, resolved against the journal's boots when the query runs
 * @param since {@code -S}: entries at or after (wall clock)
 * @param until {@code -U}: entries at or before (wall clock)
 * @param priorities {@code -p}: bit {@code 1 << p} set for each priority shown; {@link #ALL_PRIORITIES} for all
 * @param grep {@code -g}: a regex on MESSAGE
 * @param cursor {@code --cursor}, {@code --after-cursor} or the cursor file's
 * @param afterCursor start after the cursor's entry instead of at it
 * @param lines {@code -n}: all, the last N, or the first N
 * @param reverse {@code -r}: newest first
 * @param follow {@code -f}: keep answering as lines are appended
 * @param kernelOnly {@code -k}: only _TRANSPORT=kernel
 */
public record LogQuery(
        List<MatchGroup> matches,
        List<String> units,
        List<String> identifiers,
        Optional<BootSpec> boot,
        Optional<Instant> since,
        Optional<Instant> until,
        int priorities,
        Optional<Grep> grep,
        Optional<Cursor> cursor,
        boolean afterCursor,
        Lines lines,
        boolean reverse,
        boolean follow,
        boolean kernelOnly) {

    public static final int ALL_PRIORITIES = 0xff;

    public LogQuery {
        matches = List.copyOf(matches);
        units = List.copyOf(units);
        identifiers = List.copyOf(identifiers);
    }

    /** Every entry, oldest first. */
    public static LogQuery all() {
        return new LogQuery(List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(), ALL_PRIORITIES,
                Optional.empty(), Optional.empty(), false, Lines.ALL, false, false, false);
    }

    /** One {@code FIELD=VALUE}. */
    public record FieldMatch(String field, String value) {
        @Override
        public String toString() {
            return field + "=" + value;
        }
    }

    /** Matches between two {@code +}: the same field ORed, different fields ANDed (journalctl's rule). */
    public record MatchGroup(List<FieldMatch> matches) {
        public MatchGroup {
            matches = List.copyOf(matches);
        }
    }

    /**
     * {@code -b}: {@code id} empty and {@code offset} > 0 is the offset-th boot from the start (1 the first);
     * {@code offset} ≤ 0 counts back from the last (0 the last, which is the current one on a running system);
     * with an id, the boot {@code offset} boots after (or before) that one.
     */
    public record BootSpec(Optional<String> id, int offset) {
        public static final BootSpec CURRENT = new BootSpec(Optional.empty(), 0);
    }

    public record Grep(String pattern, boolean caseSensitive) {}

    /** {@code -n}: everything, the newest {@code count} ({@code -n N}), or the oldest ({@code -n +N}). */
    public record Lines(Kind kind, int count) {
        public enum Kind { ALL, TAIL, HEAD }

        public static final Lines ALL = new Lines(Kind.ALL, 0);

        public static Lines tail(int count) {
            return new Lines(Kind.TAIL, count);
        }

        public static Lines head(int count) {
            return new Lines(Kind.HEAD, count);
        }
    }
}
