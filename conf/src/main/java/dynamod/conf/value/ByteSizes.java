package dynamod.conf.value;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Sizes as configuration writes them: {@code 512K}, {@code 512M}, {@code 2G}, {@code 1T} (powers of 1024,
 * also spelled {@code KiB}, {@code MB}...), decimals such as {@code 1.5G}, {@code max}, and bare byte counts.
 */
public final class ByteSizes {

    private ByteSizes() {}

    public static final String EXAMPLES = "512K, 64M, 2G, 1T, max or a number of bytes";

    private static final String PREFIXES = "KMGTPE";

    public static Parsed<Limit> parse(String text) {
        String input = text.strip();
        if (input.equalsIgnoreCase("max") || input.equalsIgnoreCase("infinity")) return Parsed.ok(Limit.MAX);
        if (input.isEmpty()) return Parsed.invalid("empty size; write e.g. " + EXAMPLES);
        if (input.startsWith("-")) return Parsed.invalid("negative size \"" + text + "\"");
        int n = Decimals.numberLength(input, 0);
        if (n == 0) return Parsed.invalid("\"" + text + "\" is not a size; write e.g. " + EXAMPLES);
        if (n > Decimals.MAX_DIGITS) return Parsed.invalid("size \"" + text + "\" is too large");
        BigDecimal number = Decimals.parse(input.substring(0, n));
        String unit = input.substring(n).strip().toUpperCase(Locale.ROOT);
        int power = unitPower(unit);
        if (power < 0) {
            return Parsed.invalid("unknown unit \"" + input.substring(n).strip() + "\" in size \"" + text
                    + "\"; use K, M, G, T, P or E (powers of 1024)");
        }
        BigDecimal bytes = number.multiply(BigDecimal.valueOf(1024).pow(power)).setScale(0, RoundingMode.DOWN);
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) >= 0) {
            return Parsed.invalid("size \"" + text + "\" is too large; write max for no limit");
        }
        if (power == 0 && number.scale() > 0 && number.stripTrailingZeros().scale() > 0) {
            return Parsed.invalid("a number of bytes must be whole: \"" + text + "\"");
        }
        return Parsed.ok(new Limit(bytes.longValueExact()));
    }

    /** A TOML integer is a byte count. */
    public static Parsed<Limit> ofBytes(long bytes) {
        if (bytes < 0) return Parsed.invalid("negative size " + bytes);
        if (bytes == Long.MAX_VALUE) return Parsed.invalid("size " + bytes + " is too large; write max for no limit");
        return Parsed.ok(new Limit(bytes));
    }

    /** 0 for bytes (no unit, {@code B}), 1 for K ... 6 for E; -1 if the unit is not one of these. */
    private static int unitPower(String unit) {
        if (unit.isEmpty() || unit.equals("B")) return 0;
        int power = PREFIXES.indexOf(unit.charAt(0)) + 1;
        if (power == 0) return -1;
        String rest = unit.substring(1);
        return rest.isEmpty() || rest.equals("B") || rest.equals("IB") ? power : -1;
    }

    /** The shortest exact form: {@code 64M}, {@code 1536K}, {@code 1000}, {@code max}. */
    public static String format(Limit limit) {
        if (limit.isMax()) return "max";
        long value = limit.value();
        int power = 0;
        while (value != 0 && value % 1024 == 0 && power < PREFIXES.length()) {
            value /= 1024;
            power++;
        }
        return power == 0 ? Long.toString(value) : value + String.valueOf(PREFIXES.charAt(power - 1));
    }
}
