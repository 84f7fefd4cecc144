package dynamod.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The calls of {@link Kernel} a test may make on the machine it runs on (the others — mount, reboot, chroot — belong
 * to PID 1 and run in init's namespace and QEMU tests).
 */
class KernelTest {

    private static final long PROC_SUPER_MAGIC = 0x9fa0;

    @Test
    void filesystemTypes() throws Exception {
        assertEquals(PROC_SUPER_MAGIC, Kernel.filesystemType("/proc"));
        LinuxException e = assertThrows(LinuxException.class, () -> Kernel.filesystemType("/no/such/path"));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void interfaceFlags() throws Exception {
        assertNotEquals(0, Kernel.interfaceFlags("lo") & Kernel.IFF_UP, "lo is up on any machine that runs tests");
        Kernel.interfaceUp("lo"); // up already: nothing to do, and no error
        LinuxException e = assertThrows(LinuxException.class, () -> Kernel.interfaceFlags("nosuchif0"));
        assertEquals(Errno.ENODEV, e.errno());
        assertThrows(IllegalArgumentException.class, () -> Kernel.interfaceFlags("a-name-far-too-long"));
    }
}
