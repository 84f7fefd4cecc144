package dynamod.logd.query;

import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * A position in a journal's log stream, printed as journald prints its cursors:
 * {@code s=<journal id>;i=<seq>;b=<boot id>;m=<monotonic µs>;t=<realtime µs>}, ids as 32 hex digits, numbers in
 * hex. Only {@code s} and {@code i} locate the entry (the seq is unique in the journal); {@code b}, {@code m} and
 * {@code t} say which entry it was, for people. Parsing ignores unknown keys, in any order.
 */
public record Cursor(UUID journalId, long seq, UUID bootId, long monotonicMicros, long realtimeMicros) {

    public String format() {
        return "s=" + Ids.hex(journalId) + ";i=" + Long.toHexString(seq) + ";b=" + Ids.hex(bootId) + ";m="
                + Long.toHexString(monotonicMicros) + ";t=" + Long.toHexString(realtimeMicros);
    }

    @Override
    public String toString() {
        return format();
    }

    public static Cursor parse(String text) {
        Map<String, String> parts = new HashMap<>();
        for (String part : text.strip().split(";")) {
            int eq = part.indexOf('=');
            if (eq <= 0) throw new QueryException("invalid cursor '" + text + "': expected s=…;i=…");
            parts.put(part.substring(0, eq), part.substring(eq + 1));
        }
        String s = parts.get("s"), i = parts.get("i");
        if (s == null || i == null) throw new QueryException("invalid cursor '" + text + "': it needs s= (journal id) and i= (seq)");
        try {
            UUID journal = Ids.parse(s);
            long seq = Long.parseUnsignedLong(i, 16);
            UUID boot = parts.containsKey("b") ? Ids.parse(parts.get("b")) : new UUID(0, 0);
            long m = parts.containsKey("m") ? Long.parseUnsignedLong(parts.get("m"), 16) : 0;
            long t = parts.containsKey("t") ? Long.parseUnsignedLong(parts.get("t"), 16) : 0;
            return new Cursor(journal, seq, boot, m, t);
        } catch (IllegalArgumentException e) {
            throw new QueryException("invalid cursor '" + text + "': " + e.getMessage());
        }
    }

    /** 128-bit ids as journald writes them: 32 lowercase hex digits, no dashes. */
    public static final class Ids {
        private Ids() {}

        public static String hex(UUID id) {
            return HexFormat.of().toHexDigits(id.getMostSignificantBits()) + HexFormat.of().toHexDigits(id.getLeastSignificantBits());
        }

        /** 32 hex digits, or the dashed UUID form. */
        public static UUID parse(String text) {
            String hex = text.strip().replace("-", "").toLowerCase(java.util.Locale.ROOT);
            if (hex.length() != 32 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException("'" + text + "' is not a 128-bit id (32 hex digits)");
            }
            return new UUID(Long.parseUnsignedLong(hex.substring(0, 16), 16), Long.parseUnsignedLong(hex.substring(16), 16));
        }

        public static boolean isId(String text) {
            try {
                parse(text);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }
}
