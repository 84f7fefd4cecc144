package dynamod.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcStatTest {

    @Test
    void ourOwnStat() {
        int pid = Posix.getpid();
        OptionalLong start = ProcStat.startTime(pid);
        assertTrue(start.isPresent());
        assertEquals(start, ProcStat.startTime(pid));
        assertEquals(Posix.getppid(), ProcStat.parentPid(pid).orElseThrow());
        assertTrue(List.of("R", "S").contains(ProcStat.state(pid).orElseThrow()));
    }

    @Test
    void aReapedChildIsGone() throws Exception {
        int pid = Children.spawnSleep();
        assertTrue(ProcStat.startTime(pid).isPresent());
        assertTrue(ProcStat.children(Posix.getpid()).contains(pid));
        Posix.kill(pid, Signals.SIGKILL);
        Posix.waitPid(pid, true);
        assertTrue(ProcStat.startTime(pid).isEmpty());
        assertTrue(ProcStat.state(pid).isEmpty());
        assertTrue(ProcStat.children(pid).isEmpty());
        assertFalse(ProcStat.children(Posix.getpid()).contains(pid));
    }

    @Test
    void aZombieStillHasItsStartTime() throws Exception {
        int devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        int pid = Spawn.spawn("/bin/true", List.of("true"), List.of(), Map.of(0, devNull, 1, devNull, 2, devNull), false);
        Posix.close(devNull);
        await().until(() -> ProcStat.state(pid).orElse("?").equals("Z"));
        assertTrue(ProcStat.startTime(pid).isPresent());
        Posix.waitPid(pid, true);
    }

    @Test
    void commWithSpacesAndParentheses(@TempDir Path dir) throws Exception {
        Path odd = Files.copy(Path.of("/bin/sleep"), dir.resolve("a) b (c"), StandardCopyOption.COPY_ATTRIBUTES);
        int devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        int pid = Spawn.spawn(odd.toString(), List.of("odd", "100"), List.of(), Map.of(0, devNull, 1, devNull, 2, devNull), false);
        Posix.close(devNull);
        try {
            assertTrue(Files.readString(Path.of("/proc/" + pid + "/stat")).contains("(a) b (c)"));
            assertEquals(Posix.getpid(), ProcStat.parentPid(pid).orElseThrow());
            assertTrue(ProcStat.startTime(pid).orElseThrow() >= ProcStat.startTime(Posix.getpid()).orElseThrow());
        } finally {
            Children.killAndReap(pid);
        }
    }
}
