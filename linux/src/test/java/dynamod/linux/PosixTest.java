package dynamod.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixTest {

    @Test
    void identity() {
        assertEquals(ProcessHandle.current().pid(), Posix.getpid());
        assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), Posix.getppid());
        assertTrue(Posix.getuid() >= 0 && Posix.geteuid() >= 0 && Posix.getgid() >= 0);
    }

    @Test
    void pipeReadWriteAndEof() throws Exception {
        int[] p = Posix.pipe();
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        Posix.writeFully(p[1], hello);
        byte[] buf = new byte[16];
        assertEquals(5, Posix.read(p[0], buf, 2, 10));
        assertEquals("hello", new String(buf, 2, 5, StandardCharsets.UTF_8));
        Posix.close(p[1]);
        assertEquals(0, Posix.read(p[0], buf, 0, buf.length));
        Posix.close(p[0]);
        LinuxException e = assertThrows(LinuxException.class, () -> Posix.close(p[0]));
        assertEquals(Errno.EBADF, e.errno());
    }

    @Test
    void nonBlockingReadAndWriteSayMinusOne() throws Exception {
        int[] p = Posix.pipe();
        Posix.setNonBlocking(p[0], true);
        Posix.setNonBlocking(p[1], true);
        assertEquals(-1, Posix.read(p[0], new byte[8], 0, 8));
        byte[] chunk = new byte[65536];
        int written = 0;
        for (int n; (n = Posix.write(p[1], chunk, 0, chunk.length)) > 0; ) written += n;
        assertTrue(written > 0);
        assertEquals(-1, Posix.write(p[1], chunk, 0, 1));
        Posix.close(p[0]);
        Posix.close(p[1]);
    }

    @Test
    void lseekMovesTheOffsetAndSaysWhereItIs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("f");
        Files.writeString(file, "0123456789");
        int fd = Posix.open(file.toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        try {
            assertEquals(10, Posix.lseek(fd, 0, Posix.SEEK_END));
            assertEquals(0, Posix.read(fd, new byte[4], 0, 4));
            assertEquals(7, Posix.lseek(fd, -3, Posix.SEEK_CUR));
            byte[] buf = new byte[4];
            assertEquals(3, Posix.read(fd, buf, 0, 4));
            assertEquals("789", new String(buf, 0, 3, StandardCharsets.US_ASCII));
            assertEquals(Errno.EINVAL, assertThrows(LinuxException.class, () -> Posix.lseek(fd, -1, Posix.SEEK_SET)).errno());
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void pollTimesOutThenSeesInput() throws Exception {
        int[] p = Posix.pipe();
        short[] revents = new short[1];
        assertEquals(0, Posix.poll(new int[] {p[0]}, new short[] {Posix.POLLIN}, revents, 20));
        assertEquals(0, revents[0]);
        Posix.writeFully(p[1], new byte[] {1});
        assertEquals(1, Posix.poll(new int[] {p[0]}, new short[] {Posix.POLLIN}, revents, 5000));
        assertTrue((revents[0] & Posix.POLLIN) != 0);
        Posix.close(p[1]);
        Posix.read(p[0], new byte[1], 0, 1);
        assertEquals(1, Posix.poll(new int[] {p[0]}, new short[] {Posix.POLLIN}, revents, 5000));
        assertTrue((revents[0] & Posix.POLLHUP) != 0);
        Posix.close(p[0]);
    }

    @Test
    void cloexecAndDup() throws Exception {
        int[] p = Posix.pipe();
        int copy = Posix.dup(p[1]);
        assertTrue(copy >= 3);
        assertNotEquals(p[1], copy);
        Posix.setCloexec(copy, false);
        Posix.setCloexec(copy, true);
        Posix.writeFully(copy, new byte[] {42});
        byte[] one = new byte[1];
        assertEquals(1, Posix.read(p[0], one, 0, 1));
        assertEquals(42, one[0]);
        for (int fd : new int[] {copy, p[0], p[1]}) Posix.close(fd);
    }

    @Test
    void openCreatesAndAppends(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("f");
        int fd = Posix.open(file.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND | Posix.O_CLOEXEC, 0640);
        Posix.writeFully(fd, "ab".getBytes(StandardCharsets.UTF_8));
        Posix.close(fd);
        assertEquals("ab", Files.readString(file));
    }

    @Test
    void killAndExists() throws Exception {
        int pid = Children.spawnSleep();
        assertTrue(Posix.exists(pid));
        Posix.kill(pid, Signals.SIGTERM);
        Posix.Reaped reaped = Posix.waitPid(pid, true);
        assertTrue(reaped.signalled());
        assertEquals(Signals.SIGTERM, reaped.signal());
        assertEquals(-1, reaped.exitCode());
        assertFalse(Posix.exists(pid));
        assertTrue(Posix.exists(1), "pid 1 exists, signalable or not");
        LinuxException e = assertThrows(LinuxException.class, () -> Posix.kill(pid, Signals.SIGTERM));
        assertEquals(Errno.ESRCH, e.errno());
    }

    @Test
    void waitAnyReapsOurChildAndReturnsNullWhileNoneExited() throws Exception {
        int sleeper = Children.spawnSleep();
        assertNull(Posix.waitAny(false), "the only child is still running");
        assertNull(Posix.waitPid(sleeper, false));
        int devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        int pid = Spawn.spawn("/bin/sh", List.of("sh", "-c", "exit 3"), Children.ENV, Map.of(0, devNull, 1, devNull, 2, devNull), false);
        Posix.close(devNull);
        Posix.Reaped reaped = Posix.waitAny(true);
        assertEquals(new Posix.Reaped(pid, 3, 0, false), reaped);
        Children.killAndReap(sleeper);
        assertNull(Posix.waitAny(false), "no children left: ECHILD");
        assertThrows(LinuxException.class, () -> Posix.waitPid(pid, true), "reaped already: ECHILD");
    }

    @Test
    void pidfdSignals() throws Exception {
        int pid = Children.spawnSleep();
        int pidfd = Posix.pidfdOpen(pid);
        Posix.pidfdSendSignal(pidfd, Signals.SIGKILL);
        assertEquals(Signals.SIGKILL, Posix.waitPid(pid, true).signal());
        // A pidfd outlives the pid: signalling through it now fails instead of hitting a recycled pid.
        LinuxException e = assertThrows(LinuxException.class, () -> Posix.pidfdSendSignal(pidfd, Signals.SIGKILL));
        assertEquals(Errno.ESRCH, e.errno());
        Posix.close(pidfd);
    }

    @Test
    void orphansOfASubreaperAreItsToReap() throws Exception {
        Posix.setChildSubreaper(); // for the rest of this test JVM too, which reaps its children anyway
        Posix.setParentDeathSignal(0);
        Children.Result shell = Children.run("/bin/sh", List.of("sh", "-c", "sleep 100 >/dev/null 2>&1 & echo $!"), Map.of());
        assertEquals(0, shell.status().exitCode());
        int orphan = Integer.parseInt(shell.output().strip());
        assertEquals(Posix.getpid(), ProcStat.parentPid(orphan).orElseThrow());
        Children.killAndReap(orphan);
    }
}
