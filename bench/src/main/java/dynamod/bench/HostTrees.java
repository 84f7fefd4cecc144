package dynamod.bench;

import java.io.IOException;
import java.nio.file.Path;

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
}
