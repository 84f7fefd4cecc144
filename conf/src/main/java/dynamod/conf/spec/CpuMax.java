package dynamod.conf.spec;

/** cgroup v2 {@code cpu.max}: at most quota microseconds of CPU time per period; quota MAX is unlimited. */
public record CpuMax(long quotaMicros, long periodMicros) {

    public static final long MAX = Long.MAX_VALUE;
    public static final long DEFAULT_PERIOD_MICROS = 100_000;

    public boolean isUnlimited() {
        return quotaMicros == MAX;
    }

    /** What {@code cpu.max} takes: {@code max 100000} or {@code 50000 100000}. */
    public String kernelValue() {
        return (isUnlimited() ? "max" : Long.toString(quotaMicros)) + " " + periodMicros;
    }
}
