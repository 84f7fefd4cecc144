package dynamod.vmtest;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Boot times. {@link DynamodBoot}: a dynamod boot's milestones, which DynamodBootIT prints. {@link #main}: measures
 * the stub boot (docs/vmtest.md): QEMU start to each stub milestone and to QEMU's exit, with the AOT caches
 * on and off, alternating. With {@code dynamod}, the dynamod boot instead (DynamodBootIT's UUID boot without its
 * checks): QEMU start to init's main in the initramfs and on the root, svmgr's start and "running", the guest shell
 * service ready, then {@code dynamodctl shutdown poweroff} and QEMU's exit; and logd's start, guest seconds from its
 * process's start to its "listening" line in the journal. The image decides which caches it has.
 * Host wall-clock from the harness; the machine's load shows in the numbers, so run it several times.
 *
 * <p>usage: {@code java -cp vmtest/target/classes dynamod.vmtest.BootTimes BUILD_DIR [ROUNDS] [dynamod]}
 */
public final class BootTimes {

    private static final List<String> MILESTONES = List.of("kernel modules loaded", "on the initramfs runtime", "is /dev/vda",
            "on the root disk's runtime", "no problems", "VMTEST-MARKER");

    /** The dynamod boot's console milestones, each the first line that starts so (init's main comes twice). */
    private static final List<String> DYNAMOD_MILESTONES = List.of("dynamod-init: PID 1, booting",
            "dynamod-init: switching to the real root", "dynamod-svmgr: starting", "dynamod-svmgr: running");

    /**
     * Guest seconds from logd's process start ({@code /proc/PID/stat}, in clock ticks since boot) to its "listening"
     * line (the journal's monotonic time): its JVM's start, up to its sockets ("-" when that line is not in the journal
     * yet).
     */
    private static final String LOGD_START = "p=$(for p in /proc/[0-9]*; do if grep -q daemon=dynamod-logd $p/cmdline 2>/dev/null;"
            + " then echo ${p#/proc/}; fi; done | head -n 1); s=$(awk '{print $22}' /proc/$p/stat);"
            + " dynamodctl logs -u dynamod-logd -o short-monotonic --no-pager | grep -m 1 listening"
            + " | sed 's/^\\[ *\\([0-9.]*\\)\\].*/\\1/' | awk -v s=$s '{printf \"%.2f\\n\", $1 - s / 100}'";

    private BootTimes() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: BootTimes BUILD_DIR [ROUNDS]");
            System.exit(2);
        }
        VmImage image = VmImage.load(Path.of(args[0]));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        if (args.length > 2 && args[2].equals("dynamod")) {
            dynamodBoots(image, rounds);
            return;
        }
        System.out.printf("%-4s %-3s %9s %9s %9s %9s %9s %9s %9s%n", "run", "aot", "modules", "init-jvm", "root",
                "init-jvm2", "ctl-check", "marker", "exit");
        for (int round = 1; round <= rounds; round++) {
            for (String aot : List.of("on", "off")) {
                VmSpec spec = VmSpec.of(image).withRdinit("/usr/lib/dynamod/vmtest/stub-initramfs").withKernelArgs("dynamod.vmtest.aot=" + aot);
                try (Vm vm = Vm.start(spec, Path.of("target", "vm-runs", "boot-times-" + round + "-" + aot))) {
                    VmResult result = vm.awaitExit();
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-4d %-3s", round, aot));
                    for (String milestone : MILESTONES) {
                        row.append(result.console().stream().filter(l -> l.text().contains(milestone)).findFirst()
                                .map(l -> seconds(l.sinceStart())).orElse("-"));
                    }
                    row.append(seconds(result.elapsed()));
                    if (!result.poweredOff()) row.append("  (did not power off: ").append(result.shutdown()).append(')');
                    System.out.println(row);
                }
            }
        }
    }

    /**
     * A dynamod boot's milestones, host time since QEMU started (DynamodBootIT prints them, docs/vmtest.md keeps them):
     * dynamod-init's first line in the initramfs and on the real root, svmgr's start, every service ready, the shutdown
     * request, every service stopped (init's line) and QEMU's exit. A milestone the console does not show is empty.
     *
     * @param allServicesReady when the last service became ready (see {@link #onHost})
     * @param shutdownRequested when the shutdown command was typed in the guest (before its dynamodctl's JVM started)
     */
    public record DynamodBoot(Optional<Duration> initMain, Optional<Duration> rootInitMain, Optional<Duration> svmgrStarting,
            Duration allServicesReady, Optional<Duration> shutdownRequested, Optional<Duration> servicesStopped, Duration qemuExit) {

        /** The milestones on {@code result}'s console, with the two the console does not show. */
        public static DynamodBoot of(VmResult result, Duration allServicesReady, Optional<Duration> shutdownRequested) {
            List<LineLog.Line> initMains = result.console().stream().filter(l -> l.text().startsWith("dynamod-init: PID 1, ")).toList();
            return new DynamodBoot(initMains.stream().findFirst().map(LineLog.Line::sinceStart),
                    initMains.stream().skip(1).findFirst().map(LineLog.Line::sinceStart),
                    first(result, l -> l.startsWith("dynamod-svmgr: starting (generation 1")), allServicesReady, shutdownRequested,
                    first(result, l -> l.startsWith("dynamod-init: the services are stopped")), result.elapsed());
        }

        private static Optional<Duration> first(VmResult result, Predicate<String> matches) {
            return result.console().stream().filter(l -> matches.test(l.text())).findFirst().map(LineLog.Line::sinceStart);
        }

        /** One line: each milestone in seconds, and the shutdown's length from its request to QEMU's exit. */
        public String describe() {
            return String.format(Locale.ROOT, "init main %s, root's init main %s, svmgr starting %s, all services ready %s;"
                    + " shutdown requested %s, services stopped %s, QEMU exit %s (%s from the request)", s(initMain),
                    s(rootInitMain), s(svmgrStarting), s(Optional.of(allServicesReady)), s(shutdownRequested), s(servicesStopped),
                    s(Optional.of(qemuExit)), s(shutdownRequested.map(qemuExit::minus)));
        }

        private static String s(Optional<Duration> d) {
            return d.map(v -> String.format(Locale.ROOT, "%.1f s", v.toMillis() / 1000.0)).orElse("-");
        }
    }

    /**
     * A guest instant as host time since QEMU started, from one reading of the guest's clock ({@code guestClock}) and
     * the host time it arrived ({@code arrived}): the guest's clock starts from the RTC, whole seconds off the host's.
     */
    public static Duration onHost(Instant guestInstant, Instant guestClock, Duration arrived) {
        return arrived.plus(Duration.between(guestClock, guestInstant));
    }

    private static void dynamodBoots(VmImage image, int rounds) throws Exception {
        System.out.printf("%-4s %9s %9s %9s %9s %9s %9s %9s %9s%n", "run", "init", "exec-root", "init2", "svmgr", "running",
                "shell", "exit", "logd-up");
        for (int round = 1; round <= rounds; round++) {
            VmSpec spec = VmSpec.of(image).withShellPort().withKernelArgs("ro");
            try (Vm vm = Vm.start(spec, Path.of("target", "vm-runs", "boot-times-dynamod-" + round))) {
                GuestShell shell = vm.shell("VMTEST-SHELL-READY", Duration.ofMinutes(4));
                Duration shellReady = shell.lines().find(0, "VMTEST-SHELL-READY"::equals).orElseThrow().sinceStart();
                GuestShell.Result logd = shell.run(LOGD_START, Duration.ofMinutes(2));
                shell.send("dynamodctl shutdown poweroff\n");
                VmResult result = vm.awaitExit();
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-4d", round));
                row.append(milestone(result, DYNAMOD_MILESTONES.get(0), 0)).append(milestone(result, DYNAMOD_MILESTONES.get(1), 0))
                        .append(milestone(result, DYNAMOD_MILESTONES.get(0), 1));
                for (String m : DYNAMOD_MILESTONES.subList(2, 4)) row.append(milestone(result, m, 0));
                row.append(seconds(shellReady)).append(seconds(result.elapsed()))
                        .append(String.format(Locale.ROOT, " %8ss", logd.exitStatus() == 0 && !logd.text().isBlank() ? logd.text().strip() : "-"));
                if (!result.poweredOff()) row.append("  (did not power off: ").append(result.shutdown()).append(')');
                System.out.println(row);
            }
        }
    }

    /** When the {@code skip}+1-th console line starting with {@code prefix} came, or "-". */
    private static String milestone(VmResult result, String prefix, int skip) {
        return result.console().stream().filter(l -> l.text().startsWith(prefix)).skip(skip).findFirst()
                .map(l -> seconds(l.sinceStart())).orElse(String.format(Locale.ROOT, " %9s", "-"));
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, " %8.2fs", d.toNanos() / 1e9);
    }
}
