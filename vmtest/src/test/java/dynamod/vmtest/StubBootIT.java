package dynamod.vmtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Boots the image with vmtest's stub inits (image/stub-initramfs, image/stub-root): the kernel, the initramfs with
 * its runtime, modules and AOT cache, the root disk found by UUID or label, switch_root, the root disk's runtime and
 * jars, power-off: the image itself, under a shell script instead of dynamod-init (rdinit=, the stubs' fixed path).
 * The root by label and a missing root are DynamodBootIT's, with dynamod-init as PID 1.
 */
class StubBootIT {

    private static final Duration SHELL_TIMEOUT = Duration.ofMinutes(3), COMMAND_TIMEOUT = Duration.ofSeconds(60);

    static final String STUB_INITRAMFS = "/usr/lib/dynamod/vmtest/stub-initramfs";

    private static VmImage image;

    @BeforeAll
    static void image() throws IOException {
        image = VmImage.fromBuildProperty();
    }

    /** The stubs boot through rdinit=: the initramfs's /init is dynamod-init. */
    private static VmSpec stubBoot() {
        return VmSpec.of(image).withRdinit(STUB_INITRAMFS);
    }

    private static Path runDir(String name) {
        return Path.of("target", "vm-runs", name);
    }

    private static void assertLine(VmResult result, Predicate<String> matches, String what) {
        assertTrue(result.console().stream().map(LineLog.Line::text).anyMatch(matches), () -> "no console line " + what + "\n" + result.describe());
    }

    private static void assertLine(VmResult result, String line) {
        assertLine(result, line::equals, "'" + line + "'");
    }

    private static void assertNoFailure(VmResult result) {
        assertFalse(result.console().stream().anyMatch(l -> l.text().contains("FAILED")), result::describe);
    }

    @Test
    void bootsThroughTheInitramfsToTheRootDiskByUuidAndPowersOff() throws Exception {
        try (Vm vm = Vm.start(stubBoot(), runDir("marker"))) {
            VmResult result = vm.awaitExit();
            assertTrue(result.poweredOff(), result::describe);
            assertNoFailure(result);
            assertLine(result, "vmtest-stub: initramfs: dynamod-init runs on the initramfs runtime (AOT cache on)");
            assertLine(result, "vmtest-stub: initramfs: root UUID=" + image.rootUuid() + " is /dev/vda");
            assertLine(result, "vmtest-stub: root: /dev/vda / ext4");
            assertLine(result, "vmtest-stub: root: dynamod-init runs on the root disk's runtime (AOT cache on)");
            // The example system and vmtest's services in one directory (build-image.sh counts them at build time too).
            assertLine(result, l -> l.matches("/etc/dynamod/system: \\d+ services and [1-9]\\d* supervisors loaded from \\d+ files; no problems"),
                    "dynamodctl check of the image's system: no problems");
            assertLine(result, l -> l.startsWith("vmtest-stub: VMTEST-MARKER java 25"), "with the marker and Java 25");
        }
    }

    @Test
    void runsCommandsInTheGuestShellOnAVirtioSerialPort() throws Exception {
        VmSpec spec = stubBoot().withShellPort().withKernelArgs("dynamod.vmtest=shell");
        try (Vm vm = Vm.start(spec, runDir("shell"))) {
            GuestShell shell = vm.shell("VMTEST-SHELL-READY", SHELL_TIMEOUT);

            GuestShell.Result cmdline = shell.run("cat /proc/cmdline", COMMAND_TIMEOUT);
            assertEquals(0, cmdline.exitStatus(), cmdline::text);
            assertEquals(spec.kernelCommandLine(), cmdline.text());

            GuestShell.Result modules = shell.run("cut -d ' ' -f 1 /proc/modules | grep -x -e virtio_blk -e virtio_console | sort", COMMAND_TIMEOUT);
            assertEquals(new GuestShell.Result(0, List.of("virtio_blk", "virtio_console")), modules);

            GuestShell.Result failing = shell.run("echo to stderr >&2\nfails() { return 3; }\nfails", COMMAND_TIMEOUT);
            assertEquals(3, failing.exitStatus(), failing::text);
            assertEquals("to stderr", failing.text());

            shell.send("exit\n");
            VmResult result = vm.awaitExit();
            assertTrue(result.poweredOff(), result::describe);
            assertLine(result, "vmtest-stub: shell exited");
        }
    }
}
