package dynamod.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What the benches that run real host-mode trees share: building before the clock starts, and stopping a tree. */
final class HostTrees {

    private HostTrees() {}

    /** Builds what bin/dynamod up would build (when a source changed), so that no build lands inside a measurement. */
    static void prebuild(Path home) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", ". \"$1/bin/lib.sh\"; JAVA_HOME=$(find_jdk) && ensure_built ctl", "prebuild", home.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        if (p.waitFor() != 0) throw new IllegalStateException("the build of ctl failed");
    }

    /** {@code bin/dynamod down --state STATE}; a failure is said, not thrown (it runs in shutdown hooks too). */
    static void down(Path home, Path state) {
        try {
            Process p = new ProcessBuilder(home.resolve("bin/dynamod").toString(), "down", "--state", state.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor();
        } catch (IOException | InterruptedException e) {
            System.err.println("bin/dynamod down --state " + state + " failed: " + e);
        }
    }

    /** The machine's CPU time so far, from /proc/stat: {busy, all}, in clock ticks. */
    static long[] cpuTotals() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long all = 0, idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        for (int i = 1; i < Math.min(f.length, 9); i++) all += Long.parseLong(f[i]);
        return new long[] {all - idle, all};
    }

    /**
     * Waits (up to a minute) for a second in which the machine is less than 15 % busy, so that a measurement does not
     * run beside someone else's build; empty when it was quiet, else the warning to print.
     */
    static Optional<String> waitQuiet(String name) throws Exception {
        double busy = 100;
        for (int i = 0; i < 60; i++) {
            long[] a = cpuTotals();
            Thread.sleep(1000);
            long[] b = cpuTotals();
            busy = 100.0 * (b[0] - a[0]) / Math.max(1, b[1] - a[1]);
            if (busy < 15) return Optional.empty();
        }
        return Optional.of(name + ": the machine stayed busy (" + Math.round(busy) + " % in the last second) for a minute; its numbers are noisy");
    }
}
