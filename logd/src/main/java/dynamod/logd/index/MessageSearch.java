package dynamod.logd.index;

import dynamod.logd.query.LogMatcher;
import dynamod.logd.query.RequiredLiteral;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A byte prefilter for a {@code --grep} pattern over raw messages: the pattern's {@link RequiredLiteral} (one per
 * branch of a top-level {@code |}, any of which is a hit), searched
 * eight bytes at a time (two of its rarest bytes compared at once, then the whole literal), with ASCII case folding
 * when the pattern is case-insensitive. {@link #find} never misses a message the pattern matches; the regex then
 * decides ({@link LogMatcher#found}), so the answer is exactly the regex's.
 *
 * <p>Case-insensitive matching ({@code CASE_INSENSITIVE | UNICODE_CASE}) also lets a few non-ASCII chars match
 * ASCII letters: U+0130 and U+0131 match {@code i}, U+212A (Kelvin) {@code k}, U+017F (long s) {@code s}. When the
 * literal has such a letter, a byte that starts one of them (0xC4, 0xC5, 0xE2) is reported too. A pattern with no
 * literal reports every position (the regex decides every message).
 */
final class MessageSearch {

    /** For each ASCII letter, the UTF-8 lead bytes of the non-ASCII chars that match it case-insensitively. */
    static final String FOLDING_LEADS_I = "\u00c4", FOLDING_LEADS_K = "\u00e2", FOLDING_LEADS_S = "\u00c5";

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL, ONES = 0x0101010101010101L;
    /** Bytes of log text, most frequent first (rough): the rarest bytes of a literal are the ones compared first. */
    private static final String FREQUENT = " etaoinsrhldcumfpgwybv.:=/-_0123456789kxjqz,()[]\"'";

    final Pattern grep;
    /** One per branch of a top-level alternation; empty: no literal (every message goes to the regex). */
    private final Needle[] needles;

    private MessageSearch(Pattern grep, Needle[] needles) {
        this.grep = grep;
        this.needles = needles;
    }

    static MessageSearch of(Pattern grep) {
        boolean fold = (grep.flags() & Pattern.CASE_INSENSITIVE) != 0;
        List<String> literals = RequiredLiteral.anyOf(grep.pattern(), fold).orElse(List.of());
        return new MessageSearch(grep, literals.stream().map(l -> Needle.of(l, fold)).toArray(Needle[]::new));
    }

    /** Whether there is a literal to search for (else every message goes to the regex). */
    boolean hasLiteral() {
        return needles.length > 0;
    }

    /** Whether the pattern matches {@code length} bytes at {@code offset}: the prefilter, then the regex. */
    boolean matches(byte[] buf, int offset, int length) {
        if (needles.length > 0 && find(buf, offset, offset + length) < 0) return false;
        return LogMatcher.found(grep, buf, offset, length);
    }

    /**
     * The first position in [from, to) where a literal starts (wholly before {@code to}) or a folding lead byte is;
     * -1 if none. Without a literal: {@code from} (if not empty).
     */
    int find(byte[] buf, int from, int to) {
        if (needles.length == 0) return from < to ? from : -1;
        int best = -1;
        for (Needle needle : needles) {
            int at = needle.find(buf, from, best < 0 ? to : Math.min(to, best + needle.length()));
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    /**
     * The positions {@link #find} gives in {@code buf[0, to)}, in order, for a search that moves forward: each
     * literal's next hit is kept, so a block is searched about once per literal.
     */
    final class Hits {
        private final byte[] buf;
        private final int to;
        private final int[] next;

        Hits(byte[] buf, int to) {
            this.buf = buf;
            this.to = to;
            this.next = new int[needles.length];
            java.util.Arrays.fill(next, -2); // not searched yet
        }

        /** The first hit at or after {@code from}; -1 if none. */
        int from(int from) {
            if (needles.length == 0) return from < to ? from : -1;
            int best = -1;
            for (int k = 0; k < needles.length; k++) {
                if (next[k] == -1) continue; // none left
                if (next[k] < from) next[k] = needles[k].find(buf, from, to);
                if (next[k] >= 0 && (best < 0 || next[k] < best)) best = next[k];
            }
            return best;
        }
    }

    /** One literal: its bytes, the two rarest compared first, and the lead bytes to report when folding. */
    private static final class Needle {
        private final byte[] needle;
        private final boolean[] folded;
        private final int first, second;
        private final long mask1, value1, mask2, value2;
        /** Lead bytes to report (folding), broadcast. */
        private final long[] leads;

        private Needle(byte[] needle, boolean fold, String leadBytes) {
            this.needle = needle;
            folded = new boolean[needle.length];
            for (int i = 0; i < needle.length; i++) folded[i] = fold && needle[i] >= 'a' && needle[i] <= 'z';
            int a = -1, b = -1;
            for (int i = 0; i < needle.length; i++) {
                if (a < 0 || rank(needle[i]) > rank(needle[a])) {
                    b = a;
                    a = i;
                } else if (b < 0 || rank(needle[i]) > rank(needle[b])) {
                    b = i;
                }
            }
            if (b < 0) b = a;
            first = Math.min(a, b);
            second = Math.max(a, b);
            mask1 = folded[first] ? 0x20 * ONES : 0;
            value1 = (needle[first] & 0xffL) * ONES;
            mask2 = folded[second] ? 0x20 * ONES : 0;
            value2 = (needle[second] & 0xffL) * ONES;
            leads = new long[leadBytes.length()];
            for (int i = 0; i < leads.length; i++) leads[i] = leadBytes.charAt(i) * ONES;
        }

        static Needle of(String literal, boolean fold) {
            if (!fold) return new Needle(literal.getBytes(StandardCharsets.UTF_8), false, "");
            StringBuilder lower = new StringBuilder(literal.length()), leads = new StringBuilder();
            for (char c : literal.toCharArray()) {
                char l = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
                lower.append(l);
                String lead = switch (l) {
                    case 'i' -> FOLDING_LEADS_I;
                    case 'k' -> FOLDING_LEADS_K;
                    case 's' -> FOLDING_LEADS_S;
                    default -> "";
                };
                if (!lead.isEmpty() && leads.indexOf(lead) < 0) leads.append(lead);
            }
            return new Needle(lower.toString().getBytes(StandardCharsets.US_ASCII), true, leads.toString());
        }

        int length() {
            return needle.length;
        }

        private static int rank(byte b) {
            int c = b & 0xff;
            int at = c < 0x80 ? FREQUENT.indexOf(Character.toLowerCase((char) c)) : -1;
            return at < 0 ? FREQUENT.length() : at;
        }

        /** The first position in [from, to) where the literal starts (wholly before to) or a lead byte is; -1 if none. */
        int find(byte[] buf, int from, int to) {
            int n = needle.length;
            int p = from;
            // Words at p+first and p+second, and (for lead bytes) at p, must lie in [from, to).
            int lastWord = to - second - 8;
            while (p <= lastWord) {
                long w1 = (long) LONG.get(buf, p + first), w2 = (long) LONG.get(buf, p + second);
                long hits = zeroBytes((w1 | mask1) ^ value1) & zeroBytes((w2 | mask2) ^ value2);
                int fit = to - n - p + 1; // starts p .. p+fit-1 leave room for the literal
                if (fit < 8) hits = fit <= 0 ? 0 : hits & (-1L >>> (8 * (8 - fit)));
                long leadHits = 0;
                if (leads.length > 0) {
                    long w0 = (long) LONG.get(buf, p);
                    for (long lead : leads) leadHits |= zeroBytes(w0 ^ lead);
                }
                long any = hits | leadHits;
                while (any != 0) {
                    long bit = any & -any;
                    int at = p + (Long.numberOfTrailingZeros(bit) >>> 3);
                    if ((leadHits & bit) != 0 || verify(buf, at)) return at;
                    any &= any - 1;
                }
                p += 8;
            }
            for (; p < to; p++) {
                if (p + n <= to && verify(buf, p)) return p;
                for (long lead : leads) if ((byte) lead == buf[p]) return p;
            }
            return -1;
        }

        private boolean verify(byte[] buf, int at) {
            for (int j = 0; j < needle.length; j++) {
                byte b = buf[at + j];
                if (folded[j]) b |= 0x20;
                if (b != needle[j]) return false;
            }
            return true;
        }
    }

    /** 0x80 in each byte of {@code x} that is zero, 0 in the others (exact: no borrow across bytes). */
    private static long zeroBytes(long x) {
        return ~(((x & LOW7) + LOW7) | x | LOW7);
    }
}
