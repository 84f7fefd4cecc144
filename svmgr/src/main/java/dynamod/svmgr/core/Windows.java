package dynamod.svmgr.core;

import java.util.Arrays;

/** Sliding windows of restart times (OTP's intensity, a service's start limit), as sorted arrays of monotonic nanoseconds. */
public final class Windows {

    private Windows() {}

    /** The times still inside the window ending at {@code now}: those after {@code now - window}. */
    public static long[] within(long[] times, long now, long windowNanos) {
        int first = 0;
        while (first < times.length && times[first] <= now - windowNanos) first++;
        return first == 0 ? times : Arrays.copyOfRange(times, first, times.length);
    }

    /** The times within the window, plus {@code now}, keeping at most {@code keep} of the newest. */
    static long[] record(long[] times, long now, long windowNanos, int keep) {
        long[] inside = within(times, now, windowNanos);
        int from = Math.max(0, inside.length + 1 - keep);
        long[] result = new long[inside.length + 1 - from];
        System.arraycopy(inside, from, result, 0, inside.length - from);
        result[result.length - 1] = now;
        return result;
    }
}
