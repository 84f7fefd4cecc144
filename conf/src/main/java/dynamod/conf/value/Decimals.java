package dynamod.conf.value;

import java.math.BigDecimal;

/** The unsigned decimal numbers that durations and sizes are written with: {@code 30}, {@code 1.5}. */
final class Decimals {

    private Decimals() {}

    /** Length of the unsigned decimal number at {@code from}, or 0 if there is none. */
    static int numberLength(String text, int from) {
        int i = from;
        while (i < text.length() && isDigit(text.charAt(i))) i++;
        if (i == from) return 0;
        if (i + 1 < text.length() && text.charAt(i) == '.' && isDigit(text.charAt(i + 1))) {
            i++;
            while (i < text.length() && isDigit(text.charAt(i))) i++;
        }
        return i - from;
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Parses what {@link #numberLength} delimited; a number of that shape always parses. */
    static BigDecimal parse(String number) {
        return new BigDecimal(number);
    }

    /** Longer numbers are refused before any arithmetic, so a megabyte of digits costs nothing. */
    static final int MAX_DIGITS = 40;
}
