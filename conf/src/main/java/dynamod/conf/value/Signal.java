package dynamod.conf.value;

import java.util.Locale;

/**
 * A Linux signal by number, with the numbering of x86, ARM and RISC-V (the generic table); real-time signals
 * are {@code SIGRTMIN+n} from 34 (glibc reserves 32 and 33) to {@code SIGRTMAX} 64.
 */
public record Signal(int number) {

    public static final int RTMIN = 34;
    public static final int RTMAX = 64;

    private static final String[] NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
    };

    public static final Signal SIGKILL = new Signal(9);
    public static final Signal SIGTERM = new Signal(15);

    public Signal {
        if (!isValid(number)) throw new IllegalArgumentException("no signal number " + number);
    }

    private static boolean isValid(int number) {
        return (number >= 1 && number < NAMES.length) || (number >= RTMIN && number <= RTMAX);
    }

    /** {@code SIGTERM}, {@code SIGRTMIN+3}, {@code SIGRTMAX}. */
    public String name() {
        if (number < NAMES.length) return "SIG" + NAMES[number];
        if (number == RTMAX) return "SIGRTMAX";
        return number == RTMIN ? "SIGRTMIN" : "SIGRTMIN+" + (number - RTMIN);
    }

    @Override
    public String toString() {
        return name();
    }

    /** Names with or without {@code SIG}, in any case ({@code TERM}, {@code sigterm}), aliases, numbers. */
    public static Parsed<Signal> parse(String text) {
        String input = text.strip().toUpperCase(Locale.ROOT);
        if (!input.isEmpty() && input.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return input.length() <= 3 ? ofNumber(Integer.parseInt(input)) : Parsed.invalid("no signal number " + text);
        }
        String name = input.startsWith("SIG") ? input.substring(3) : input;
        switch (name) {
            case "IOT": return Parsed.ok(new Signal(6));
            case "POLL": return Parsed.ok(new Signal(29));
            case "CLD": return Parsed.ok(new Signal(17));
            default: break;
        }
        for (int n = 1; n < NAMES.length; n++) if (NAMES[n].equals(name)) return Parsed.ok(new Signal(n));
        Parsed<Signal> realtime = parseRealtime(name);
        if (realtime != null) return realtime;
        return Parsed.invalid("unknown signal \"" + text + "\"; use a name such as SIGTERM, TERM, SIGRTMIN+3, or a number 1-64");
    }

    public static Parsed<Signal> ofNumber(long number) {
        if (number >= 0 && number <= RTMAX && isValid((int) number)) return Parsed.ok(new Signal((int) number));
        return Parsed.invalid("no signal number " + number + "; Linux signals are 1-31 and 34-64");
    }

    private static Parsed<Signal> parseRealtime(String name) {
        int base;
        String rest;
        if (name.startsWith("RTMIN")) {
            base = RTMIN;
            rest = name.substring(5);
        } else if (name.startsWith("RTMAX")) {
            base = RTMAX;
            rest = name.substring(5);
        } else {
            return null;
        }
        if (rest.isEmpty()) return Parsed.ok(new Signal(base));
        boolean plus = rest.charAt(0) == '+';
        if ((!plus && rest.charAt(0) != '-') || rest.length() < 2 || rest.length() > 3) return null;
        String digits = rest.substring(1);
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) return null;
        int number = base + (plus ? 1 : -1) * Integer.parseInt(digits);
        if (number < RTMIN || number > RTMAX) {
            return Parsed.invalid("SIG" + name + " is out of range: real-time signals are SIGRTMIN (34) to SIGRTMAX (64)");
        }
        return Parsed.ok(new Signal(number));
    }
}
