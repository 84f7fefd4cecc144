package dynamod.vmtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConsoleTest {

    private static final VmImage IMAGE = new VmImage(Path.of("/b/vmlinuz"), "6.1.0-57-cloud-amd64", Path.of("/b/initramfs.cpio"),
            Path.of("/b/root.ext4"), Path.of("/b/root-gpt.img"), "5a1e0d00-d1a0-4000-8000-000000000001", "dynamod-root",
            "5a1e0d00-d1a0-4000-8000-0000000000d1", Path.of("/b/data.ext4"), "dynamod-data");

    @Test
    void theMainJobBootsTheRootReadWriteWithTheConsoleShellAndNoShellPort() {
        VmSpec spec = Console.spec(IMAGE);
        assertTrue(spec.kernelCommandLine().endsWith(" root=UUID=" + IMAGE.rootUuid() + " rw dynamod.console=shell"),
                spec.kernelCommandLine());
        assertFalse(spec.shellPort());
    }

    @Test
    void theExitStatusIsQemusWhenItFailedOneAfterAPanicAndZeroAfterAnOrderlyEnd() {
        assertEquals(0, Console.exitStatus(0, VmResult.Shutdown.POWER_OFF));
        assertEquals(0, Console.exitStatus(0, VmResult.Shutdown.RESTART));
        assertEquals(0, Console.exitStatus(0, VmResult.Shutdown.NONE));
        assertEquals(1, Console.exitStatus(0, VmResult.Shutdown.PANIC));
        assertEquals(137, Console.exitStatus(137, VmResult.Shutdown.NONE));
        assertEquals("QEMU failed (exit status 1)", Console.ending(1, VmResult.Shutdown.NONE));
        assertEquals("the guest powered off; QEMU exited 0", Console.ending(0, VmResult.Shutdown.POWER_OFF));
    }
}
