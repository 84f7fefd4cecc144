package dynamod.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpawnTest {

    @Test
    void exitCode() throws Exception {
        Children.Result r = Children.run("/bin/sh", List.of("sh", "-c", "exit 7"), Map.of());
        assertEquals(7, r.status().exitCode());
        assertEquals(0, r.status().signal());
    }

    @Test
    void argvAndEnvironment() throws Exception {
        Children.Result r = Children.run("/bin/sh", List.of("sh", "-c", "echo \"$0 $1 $LC_ALL\"", "zero", "one"), Map.of());
        assertEquals("zero one C\n", r.output());
    }

    @Test
    void missingExecutableFailsInTheParent() {
        LinuxException e = assertThrows(LinuxException.class,
                () -> Spawn.spawn("/nonexistent/program", List.of("x"), List.of(), Map.of(), false));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("posix_spawn", e.call());
        assertThrows(IllegalArgumentException.class, () -> Spawn.spawn("sh", List.of("sh"), List.of(), Map.of(), false));
    }

    @Test
    void childHasOnlyTheMappedFds() throws Exception {
        int[] stray = Posix.pipe(); // close-on-exec like all of ours; closefrom covers the JVM's other fds
        Posix.setCloexec(stray[0], false);
        Children.Result r = Children.run("/bin/ls", List.of("ls", "/proc/self/fd"), Map.of());
        // 3 is the fd ls reads /proc/self/fd through.
        assertEquals(List.of("0", "1", "2", "3"), List.of(r.output().strip().split("\n")));
        Posix.close(stray[0]);
        Posix.close(stray[1]);
    }

    @Test
    void unmappedFdsBelowTheHighestMappedOneAreClosedToo() throws Exception {
        int[] stray = Posix.pipe();
        Posix.setCloexec(stray[0], false);
        int n = stray[0];
        String script = "for fd in " + n + " " + (n + 1) + "; do [ -e /proc/self/fd/$fd ] && echo $fd; done; true";
        Children.Result r = Children.run("/bin/sh", List.of("sh", "-c", script), Map.of(n + 1, stray[1]));
        assertEquals((n + 1) + "\n", r.output());
        Posix.close(stray[0]);
        Posix.close(stray[1]);
    }

    @Test
    void mappingsThatOverlapAreApplied() throws Exception {
        int[] a = Posix.pipe();
        int[] b = Posix.pipe();
        // Two write ends swapped (child fd low from parent fd high, and back): each source is dup'd above every
        // target first, so no dup2 clobbers another's source. And one fd mapped onto its own number.
        int low = Math.min(a[1], b[1]);
        int high = Math.max(a[1], b[1]);
        int[] out = Posix.pipe();
        String script = "echo to-low >&" + low + "; echo to-high >&" + high + "; echo self >&" + out[1] + "; true";
        int devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        // bash: dash takes one-digit fds only.
        int pid = Spawn.spawn("/bin/bash", List.of("bash", "-c", script), Children.ENV,
                Map.of(0, devNull, 1, devNull, 2, devNull, low, high, high, low, out[1], out[1]), false);
        for (int fd : new int[] {devNull, a[1], b[1], out[1]}) Posix.close(fd);
        assertEquals(0, Posix.waitPid(pid, true).exitCode());
        String lowPipe = Children.readAll(low == a[1] ? a[0] : b[0]);
        String highPipe = Children.readAll(high == a[1] ? a[0] : b[0]);
        assertEquals("to-high\n", lowPipe, "child fd low was the parent's fd high");
        assertEquals("to-low\n", highPipe);
        assertEquals("self\n", Children.readAll(out[0]));
        for (int fd : new int[] {a[0], b[0], out[0]}) Posix.close(fd);
    }

    @Test
    @SuppressWarnings("restricted")
    void childHasNoBlockedOrIgnoredSignals() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle pthreadSigmask = linker.downcallHandle(linker.defaultLookup().findOrThrow("pthread_sigmask"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        MethodHandle signal = linker.downcallHandle(linker.defaultLookup().findOrThrow("signal"),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        int sigBlock = 0, sigUnblock = 1, sigurg = 23;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment usr1 = arena.allocate(128, 8);
            usr1.set(ValueLayout.JAVA_LONG, 0, 1L << (Signals.SIGUSR1 - 1));
            // This thread blocks SIGUSR1 and the process ignores SIGURG (its default does nothing either).
            assertEquals(0, (int) pthreadSigmask.invokeExact(sigBlock, usr1, MemorySegment.NULL));
            MemorySegment previous = (MemorySegment) signal.invokeExact(sigurg, MemorySegment.ofAddress(1)); // SIG_IGN
            try {
                int pid = Children.spawnSleep();
                String status = Files.readString(Path.of("/proc/" + pid + "/status"));
                Children.killAndReap(pid);
                // SigIgn 0 includes glibc's internal 32 and 33, which its posix_spawn would otherwise leave ignored.
                assertTrue(status.contains("SigBlk:\t0000000000000000"), status);
                assertTrue(status.contains("SigIgn:\t0000000000000000"), status);
                String ours = Files.readString(Path.of("/proc/thread-self/status"));
                assertTrue(Arrays.stream(ours.split("\n")).anyMatch(l -> l.startsWith("SigIgn:") && !l.endsWith("0000000000000000")));
            } finally {
                MemorySegment ignored = (MemorySegment) signal.invokeExact(sigurg, previous);
                assertEquals(0, (int) pthreadSigmask.invokeExact(sigUnblock, usr1, MemorySegment.NULL));
            }
        }
    }

    @Test
    void setsidMakesASessionLeader() throws Exception {
        int devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        int pid = Spawn.spawn("/bin/sleep", List.of("sleep", "100"), Children.ENV, Map.of(0, devNull, 1, devNull, 2, devNull), true);
        Posix.close(devNull);
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        Children.killAndReap(pid);
        assertEquals(String.valueOf(pid), fields[3], "session id"); // fields from 3: state ppid pgrp session
        assertEquals(String.valueOf(pid), fields[2], "process group");
    }
}
