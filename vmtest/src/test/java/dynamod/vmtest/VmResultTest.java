package dynamod.vmtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class VmResultTest {

    private static List<LineLog.Line> console(String... texts) {
        return IntStream.range(0, texts.length).mapToObj(i -> new LineLog.Line(i, Duration.ofMillis(i), texts[i])).toList();
    }

    @Test
    void theKernelsLastWordsTellAPowerOffFromARestartAndAPanic() {
        assertEquals(VmResult.Shutdown.POWER_OFF, VmResult.Shutdown.of(console("marker", "[   39.49] reboot: Power down")));
        assertEquals(VmResult.Shutdown.RESTART, VmResult.Shutdown.of(console("FAILED", "[    9.10] reboot: Restarting system")));
        assertEquals(VmResult.Shutdown.PANIC, VmResult.Shutdown.of(console(
                "[    5.00] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100", "[    5.01] reboot: Restarting system")));
        assertEquals(VmResult.Shutdown.NONE, VmResult.Shutdown.of(console("booting")));
    }

    @Test
    void onlyAPowerOffWithExitStatusZeroInTimeCountsAsPoweredOff() {
        var off = console("reboot: Power down");
        assertTrue(new VmResult(0, false, VmResult.Shutdown.of(off), Duration.ofSeconds(9), off, "").poweredOff());
        assertFalse(new VmResult(1, false, VmResult.Shutdown.of(off), Duration.ofSeconds(9), off, "").poweredOff());
        assertFalse(new VmResult(0, true, VmResult.Shutdown.of(off), Duration.ofSeconds(9), off, "").poweredOff());
        var restart = console("reboot: Restarting system");
        assertFalse(new VmResult(0, false, VmResult.Shutdown.of(restart), Duration.ofSeconds(9), restart, "").poweredOff());
    }

    @Test
    void theDescriptionSaysHowItEndedWhatQemuSaidAndTheLastLines() {
        var lines = console("one", "two");
        String text = new VmResult(1, false, VmResult.Shutdown.NONE, Duration.ofMillis(1500), lines, "qemu: could not open disk").describe();
        assertTrue(text.startsWith("QEMU exited 1 after 1.5 s (NONE); QEMU said: qemu: could not open disk; console's last lines:"), text);
        assertTrue(text.endsWith("   0.001 two\n"), text);
    }
}
