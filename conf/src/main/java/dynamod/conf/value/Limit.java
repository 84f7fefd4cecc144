package dynamod.conf.value;

/**
 * A cgroup limit: a number (bytes, or tasks for pids-max) or {@code max}, the kernel's word for unlimited.
 * {@link #MAX} is represented as {@link Long#MAX_VALUE}, which no real limit reaches.
 */
public record Limit(long value) {

    public static final Limit MAX = new Limit(Long.MAX_VALUE);

    public Limit {
        if (value < 0) throw new IllegalArgumentException("negative limit " + value);
    }

    public boolean isMax() {
        return value == Long.MAX_VALUE;
    }

    /** What the cgroup interface files take: {@code max} or the decimal number. */
    public String kernelValue() {
        return isMax() ? "max" : Long.toString(value);
    }
}
