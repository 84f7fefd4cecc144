package dynamod.ctl.diag;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Times as the diagnostics print them: to the millisecond, in the local zone (or UTC with --utc). */
public final class Times {

    private Times() {}

    private static final DateTimeFormatter FULL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    /** {@code 2026-12-01 13:50:03.120}. */
    public static String full(Instant t, ZoneId zone) {
        return FULL.format(t.atZone(zone));
    }

    /** {@code 13:50:03.120}: within one boot's explanation the day rarely matters. */
    public static String clock(Instant t, ZoneId zone) {
        return CLOCK.format(t.atZone(zone));
    }
}
