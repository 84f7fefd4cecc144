package dynamod.bench;

import java.lang.management.ManagementFactory;

/** Heap measurements shared by the benchmarks that count bytes per object. */
public final class Heap {

    private Heap() {}

    /** Used heap after full GCs (the least of five; the serial collector compacts everything). */
    public static long usedAfterGc() {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
