package dynamod.vmtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Measures the stub boot (docs/vmtest.md): QEMU start to each stub milestone and to QEMU's exit, with the AOT caches
 * on and off, alternating. Host wall-clock from the harness; the machine's load shows in the numbers, so run it
 * several times.
 *
 * <p>usage: {@code java -cp vmtest/target/classes dynamod.vmtest.BootTimes BUILD_DIR [ROUNDS]}
 */
public final class BootTimes {

    private static final List<String> MILESTONES = List.of("kernel modules loaded", "on the initramfs runtime", "is /dev/vda",
            "on the root disk's runtime", "no problems", "VMTEST-MARKER");

    private BootTimes() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: BootTimes BUILD_DIR [ROUNDS]");
            System.exit(2);
        }
        VmImage image = VmImage.load(Path.of(args[0]));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
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

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, " %8.2fs", d.toNanos() / 1e9);
    }
}
