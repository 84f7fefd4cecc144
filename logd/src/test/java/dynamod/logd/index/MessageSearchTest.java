package dynamod.logd.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.logd.query.LogMatcher;
import dynamod.logd.query.LogQuery.Grep;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;

/** The byte prefilter never changes what the regex says. */
class MessageSearchTest {

    /** Pieces of messages, of patterns, or both: meta chars, case pairs, the non-ASCII chars that fold to ASCII. */
    static final String[] TEXT = {"time", "out", "TIME", "Out", "t\u0131me", "T\u0130ME", "\u212Aernel", "kernel", "\u017Ftop", "stop", "S",
        "a.b", "a*b", "été", "ÉTÉ", "straße", " ", "-", "7f3a", "\n", "\t", "x", "needle", "NEEDLE", "\uFFFD", "😀", "[", "]", "\\"};
    static final String[] ATOMS = {".", "[a-t]", "[^x]", "(out|in)", "(?:me)", "\\d", "\\b", "^", "$", "\\.", "\\Qa.b\\E", "\\s", "\\\\",
        "\\[", "\\n"};
    static final String[] QUANTIFIERS = {"?", "*", "+", "{2}", "{0,2}", "{1,}", "+?", "*+", "??"};
    static final byte[][] ODD_BYTES = {{(byte) 0xff}, {(byte) 0xc3}, {(byte) 0xc4}, {(byte) 0xe2, (byte) 0x84}, {0}};

    @Test
    void onlyTheseNonAsciiCharsMatchAsciiCaseInsensitively() {
        // What MessageSearch reports as lead bytes: the first byte of every non-ASCII char that matches an ASCII one.
        // Letters over every code point; chars without case over the BMP (a pattern of one matches only itself).
        Map<Character, String> leads = new TreeMap<>();
        StringBuilder one = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            if (c >= 'A' && c <= 'Z') continue; // as their lower case
            Pattern p = Pattern.compile(Pattern.quote(String.valueOf(c)), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
            var m = p.matcher(one);
            int last = Character.isLetter(c) ? Character.MAX_CODE_POINT : 0xFFFF;
            for (int cp = 0x80; cp <= last; cp++) {
                if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) continue;
                one.setLength(0);
                one.appendCodePoint(cp);
                if (m.reset(one).matches()) {
                    byte lead = one.toString().getBytes(StandardCharsets.UTF_8)[0];
                    leads.merge(c, String.valueOf((char) (lead & 0xff)), (a, b) -> a.contains(b) ? a : a + b);
                }
            }
        }
        assertEquals(Map.of('i', MessageSearch.FOLDING_LEADS_I, 'k', MessageSearch.FOLDING_LEADS_K, 's', MessageSearch.FOLDING_LEADS_S),
                leads);
    }

    @Test
    void theSearchAgreesWithTheRegex() {
        Random r = new Random(11);
        int patterns = 0, matched = 0, withLiteral = 0;
        for (int round = 0; round < 3_000; round++) {
            String regex = randomPattern(r);
            boolean caseSensitive = r.nextInt(3) == 0 ? r.nextBoolean() : LogMatcher.smartCaseSensitive(regex);
            Pattern grep;
            try {
                grep = LogMatcher.compile(new Grep(regex, caseSensitive));
            } catch (RuntimeException e) {
                continue;
            }
            patterns++;
            MessageSearch search = MessageSearch.of(grep);
            if (search.hasLiteral()) withLiteral++;
            for (int k = 0; k < 40; k++) {
                byte[] message = randomMessage(r);
                // Inside a larger buffer, so that the word loop meets every alignment and both ends.
                int before = r.nextInt(12), after = r.nextInt(12);
                byte[] buf = new byte[before + message.length + after];
                for (int i = 0; i < buf.length; i++) buf[i] = (byte) "timeoutTIMEOUT\u00c4\u00e2x".charAt(r.nextInt(17));
                System.arraycopy(message, 0, buf, before, message.length);
                boolean want = LogMatcher.found(grep, message, 0, message.length);
                boolean got = search.matches(buf, before, message.length);
                if (want) matched++;
                String shown = new String(message, StandardCharsets.UTF_8);
                assertEquals(want, got, () -> "pattern '" + regex + "' (case-sensitive " + caseSensitive + ") on '" + shown + "'");
                if (want && search.hasLiteral()) assertTrue(search.find(buf, before, before + message.length) >= 0, () -> "find: '" + regex + "' on '" + shown + "'");
            }
        }
        assertTrue(patterns > 1_500 && withLiteral > 500 && matched > 5_000, "patterns " + patterns + " (with a literal " + withLiteral
                + "), matches " + matched);
    }

    static String randomPattern(Random r) {
        StringBuilder p = new StringBuilder();
        int atoms = 1 + r.nextInt(6);
        for (int i = 0; i < atoms; i++) {
            switch (r.nextInt(10)) {
                case 0, 1, 2 -> p.append(ATOMS[r.nextInt(ATOMS.length)]);
                case 3 -> p.append("|");
                case 4 -> p.append(r.nextInt(4) == 0 ? "(?i)" : "(?-i)");
                default -> p.append(Pattern.quote(TEXT[r.nextInt(TEXT.length)]).replaceAll("^\\\\Q|\\\\E$", r.nextBoolean() ? "" : "$0"));
            }
            if (r.nextInt(4) == 0) p.append(QUANTIFIERS[r.nextInt(QUANTIFIERS.length)]);
        }
        try {
            Pattern.compile(p.toString());
        } catch (PatternSyntaxException e) {
            return "x";
        }
        return p.toString();
    }

    static byte[] randomMessage(Random r) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        int parts = r.nextInt(7);
        for (int i = 0; i < parts; i++) {
            if (r.nextInt(8) == 0) m.writeBytes(ODD_BYTES[r.nextInt(ODD_BYTES.length)]);
            else m.writeBytes(TEXT[r.nextInt(TEXT.length)].getBytes(StandardCharsets.UTF_8));
        }
        return m.toByteArray();
    }
}
