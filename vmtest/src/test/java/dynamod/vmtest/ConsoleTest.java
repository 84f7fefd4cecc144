package dynamod.vmtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConsoleTest {

    private static final VmImage IMAGE = TestImage.IMAGE;

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
