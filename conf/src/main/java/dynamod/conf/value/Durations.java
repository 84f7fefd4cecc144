package dynamod.conf.value;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Durations as configuration writes them: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d},
 * compounds such as {@code 1m30s} or {@code 1h 30m}, decimals such as {@code 1.5s}, and bare numbers, which
 * are seconds ({@code 30}, {@code "30"}, {@code 0.5}).
 */
public final class Durations {

    private Durations() {}

    /** Unit spellings accepted after a number, in nanoseconds; the short form comes first in messages. */
    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("us", 1_000L), Map.entry("usec", 1_000L), Map.entry("µs", 1_000L),
            Map.entry("ms", 1_000_000L), Map.entry("msec", 1_000_000L),
            Map.entry("s", 1_000_000_000L), Map.entry("sec", 1_000_000_000L),
            Map.entry("second", 1_000_000_000L), Map.entry("seconds", 1_000_000_000L), Map.entry("secs", 1_000_000_000L),
            Map.entry("m", 60_000_000_000L), Map.entry("min", 60_000_000_000L),
            Map.entry("minute", 60_000_000_000L), Map.entry("minutes", 60_000_000_000L), Map.entry("mins", 60_000_000_000L),
            Map.entry("h", 3_600_000_000_000L), Map.entry("hr", 3_600_000_000_000L),
            Map.entry("hour", 3_600_000_000_000L), Map.entry("hours", 3_600_000_000_000L), Map.entry("hrs", 3_600_000_000_000L),
            Map.entry("d", 86_400_000_000_000L), Map.entry("day", 86_400_000_000_000L),
            Map.entry("days", 86_400_000_000_000L),
            Map.entry("w", 604_800_000_000_000L), Map.entry("week", 604_800_000_000_000L),
            Map.entry("weeks", 604_800_000_000_000L));

    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    public static final String EXAMPLES = "250ms, 30s, 5m, 1h, 1d, 1m30s or a number of seconds";

    /** Parses the string form. */
    public static Parsed<Duration> parse(String text) {
        String input = text.strip().toLowerCase(Locale.ROOT);
        if (input.isEmpty()) return Parsed.invalid("empty duration; write e.g. " + EXAMPLES);
        if (input.startsWith("-")) return Parsed.invalid("negative duration \"" + text + "\"");
        if (input.length() > 100) return Parsed.invalid("duration is too long to be meaningful");
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        boolean bare = true;
        while (i < input.length()) {
            int n = Decimals.numberLength(input, i);
            if (n == 0) return Parsed.invalid("\"" + text + "\" is not a duration; write e.g. " + EXAMPLES);
            if (n > Decimals.MAX_DIGITS) return Parsed.invalid("duration \"" + text + "\" is too large");
            BigDecimal number = Decimals.parse(input.substring(i, i + n));
            i += n;
            while (i < input.length() && Character.isWhitespace(input.charAt(i))) i++;
            int unitStart = i;
            while (i < input.length() && (Character.isLetter(input.charAt(i)) || input.charAt(i) == 'µ')) i++;
            String unit = input.substring(unitStart, i);
            while (i < input.length() && Character.isWhitespace(input.charAt(i))) i++;
            if (unit.isEmpty() && i < input.length() && !Decimals.isDigit(input.charAt(i))) {
                return Parsed.invalid("unexpected '" + input.charAt(i) + "' in duration \"" + text + "\"; write e.g. " + EXAMPLES);
            }
            if (unit.isEmpty()) {
                if (i < input.length() || !bare) {
                    return Parsed.invalid("missing unit in duration \"" + text + "\"; write e.g. " + EXAMPLES);
                }
                nanos = number.multiply(NANOS_PER_SECOND);
                break;
            }
            Long scale = UNITS.get(unit);
            if (scale == null) {
                return Parsed.invalid("unknown unit \"" + unit + "\" in duration \"" + text
                        + "\"; use us, ms, s, m, h, d or w");
            }
            bare = false;
            nanos = nanos.add(number.multiply(BigDecimal.valueOf(scale)));
            if (nanos.compareTo(MAX_NANOS) > 0) return Parsed.invalid("duration \"" + text + "\" is too large");
        }
        return fromNanos(nanos, text);
    }

    /** A TOML integer or float is a number of seconds. */
    public static Parsed<Duration> ofSeconds(BigDecimal seconds, String shownAs) {
        if (seconds.signum() < 0) return Parsed.invalid("negative duration " + shownAs);
        return fromNanos(seconds.multiply(NANOS_PER_SECOND), shownAs);
    }

    private static Parsed<Duration> fromNanos(BigDecimal nanos, String shownAs) {
        if (nanos.compareTo(MAX_NANOS) > 0) return Parsed.invalid("duration " + shownAs + " is too large");
        return Parsed.ok(Duration.ofNanos(nanos.setScale(0, RoundingMode.HALF_UP).longValueExact()));
    }

    /** The canonical short form: {@code 1h30m}, {@code 250ms}, {@code 0s}; parses back to the same value. */
    public static String format(Duration duration) {
        long nanos = duration.toNanos();
        if (nanos == 0) return "0s";
        StringBuilder text = new StringBuilder();
        long[] scales = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        String[] names = {"d", "h", "m", "s", "ms", "us"};
        for (int k = 0; k < scales.length; k++) {
            long count = nanos / scales[k];
            if (count > 0) {
                text.append(count).append(names[k]);
                nanos -= count * scales[k];
            }
        }
        if (nanos > 0) {
            // Below a microsecond: say it as fractional microseconds so the text still parses.
            text.append(BigDecimal.valueOf(nanos, 3).stripTrailingZeros().toPlainString()).append("us");
        }
        return text.toString();
    }
}
