package dynamod.linux;

import static dynamod.linux.Native.INT;
import static dynamod.linux.Native.POINTER;
import static dynamod.linux.Native.SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starting processes with posix_spawn, which glibc runs as clone(CLONE_VM|CLONE_VFORK): no copy of the JVM's memory,
 * and nothing of the JVM (signal handlers, masks, stray fds) leaks into the child. The JDK's ProcessBuilder would
 * run its own reaper thread, which a waitpid(-1) reaper cannot share children with.
 */
public final class Spawn {

    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;

    /* Opaque glibc types, allocated generously: x86_64 sizes are 80, 336 and 128 bytes. */
    private static final long FILE_ACTIONS_BYTES = 1024;
    private static final long ATTR_BYTES = 1024;
    private static final long SIGSET_BYTES = 1024;

    private static final MethodHandle POSIX_SPAWN =
            Native.function("posix_spawn", INT, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER);
    private static final MethodHandle FILE_ACTIONS_INIT = Native.function("posix_spawn_file_actions_init", INT, POINTER);
    private static final MethodHandle FILE_ACTIONS_DESTROY = Native.function("posix_spawn_file_actions_destroy", INT, POINTER);
    private static final MethodHandle ADD_CLOSE = Native.function("posix_spawn_file_actions_addclose", INT, POINTER, INT);
    private static final MethodHandle ADD_DUP2 = Native.function("posix_spawn_file_actions_adddup2", INT, POINTER, INT, INT);
    /** glibc 2.34 and later. */
    private static final MethodHandle ADD_CLOSEFROM =
            Native.optionalFunction("posix_spawn_file_actions_addclosefrom_np", INT, POINTER, INT);
    private static final MethodHandle ATTR_INIT = Native.function("posix_spawnattr_init", INT, POINTER);
    private static final MethodHandle ATTR_DESTROY = Native.function("posix_spawnattr_destroy", INT, POINTER);
    private static final MethodHandle ATTR_SETFLAGS = Native.function("posix_spawnattr_setflags", INT, POINTER, SHORT);
    private static final MethodHandle ATTR_SETSIGMASK = Native.function("posix_spawnattr_setsigmask", INT, POINTER, POINTER);
    private static final MethodHandle ATTR_SETSIGDEFAULT =
            Native.function("posix_spawnattr_setsigdefault", INT, POINTER, POINTER);
    private static final MethodHandle SIGEMPTYSET = Native.function("sigemptyset", INT, POINTER);

    private Spawn() {}

    /**
     * Starts absolutePath (no PATH search: the manager's PATH is not the service's) with exactly the fds mapped in
     * childFdFromParentFd (child fd to parent fd), an empty signal mask and every signal at its default action, and a
     * new session if setsid. Returns the pid. posix_spawn reports exec failures too (ENOENT, EACCES): glibc waits
     * for the exec before returning, and reaps a child whose exec failed.
     */
    public static int spawn(String absolutePath, List<String> argv, List<String> env,
            Map<Integer, Integer> childFdFromParentFd, boolean setsid) throws LinuxException {
        if (!absolutePath.startsWith("/")) throw new IllegalArgumentException("not an absolute path: " + absolutePath);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv is empty: it needs at least argv[0]");
        if (ADD_CLOSEFROM == null) {
            throw new LinuxException("posix_spawn_file_actions_addclosefrom_np", Errno.ENOSYS,
                    "this libc has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later has)");
        }
        int highestChildFd = childFdFromParentFd.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        List<Integer> temporaries = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(FILE_ACTIONS_BYTES, 16);
            MemorySegment attributes = arena.allocate(ATTR_BYTES, 16);
            check("posix_spawn_file_actions_init", Native.invoke(() -> (int) FILE_ACTIONS_INIT.invokeExact(actions)));
            check("posix_spawnattr_init", Native.invoke(() -> (int) ATTR_INIT.invokeExact(attributes)));
            try {
                // closefrom only reaches above the highest target: the gaps below it are closed one by one (in the
                // child, closing an fd that is not open is no error).
                for (int fd = 0; fd < highestChildFd; fd++) {
                    if (childFdFromParentFd.containsKey(fd)) continue;
                    int gap = fd;
                    check("posix_spawn_file_actions_addclose", Native.invoke(() -> (int) ADD_CLOSE.invokeExact(actions, gap)));
                }
                for (Map.Entry<Integer, Integer> mapping : childFdFromParentFd.entrySet()) {
                    int child = mapping.getKey(), parent = mapping.getValue();
                    if (child < 0) throw new IllegalArgumentException("negative child fd " + child);
                    // A source at or below the highest target could be overwritten by an earlier dup2 (or is its own
                    // target, where dup2 would leave close-on-exec set): dup it above every target first. Such copies
                    // are close-on-exec here and fall to closefrom in the child.
                    int source = parent;
                    if (parent <= highestChildFd) {
                        source = Posix.fcntlDupAbove(parent, highestChildFd + 1);
                        temporaries.add(source);
                    }
                    int from = source;
                    check("posix_spawn_file_actions_adddup2",
                            Native.invoke(() -> (int) ADD_DUP2.invokeExact(actions, from, child)));
                }
                int closeFrom = Math.max(highestChildFd + 1, 0);
                check("posix_spawn_file_actions_addclosefrom_np",
                        Native.invoke(() -> (int) ADD_CLOSEFROM.invokeExact(actions, closeFrom)));

                MemorySegment emptyMask = arena.allocate(SIGSET_BYTES, 8);
                Native.invoke(() -> (int) SIGEMPTYSET.invokeExact(emptyMask));
                // Signals 1 to 64 (bit n-1 of the first word). Not sigfillset: it leaves out glibc's internal 32 and
                // 33, which posix_spawn then sets to SIG_IGN in the child, and SIG_IGN survives execve.
                MemorySegment allSignals = arena.allocate(SIGSET_BYTES, 8);
                allSignals.set(Native.LONG, 0, -1L);
                short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (setsid ? POSIX_SPAWN_SETSID : 0));
                check("posix_spawnattr_setflags", Native.invoke(() -> (int) ATTR_SETFLAGS.invokeExact(attributes, flags)));
                check("posix_spawnattr_setsigmask",
                        Native.invoke(() -> (int) ATTR_SETSIGMASK.invokeExact(attributes, emptyMask)));
                check("posix_spawnattr_setsigdefault",
                        Native.invoke(() -> (int) ATTR_SETSIGDEFAULT.invokeExact(attributes, allSignals)));

                MemorySegment pid = arena.allocate(INT);
                MemorySegment path = arena.allocateFrom(absolutePath);
                MemorySegment cArgv = Native.stringArray(arena, argv);
                MemorySegment cEnv = Native.stringArray(arena, env);
                int error = Native.invoke(
                        () -> (int) POSIX_SPAWN.invokeExact(pid, path, actions, attributes, cArgv, cEnv));
                if (error != 0) throw new LinuxException("posix_spawn", absolutePath, error);
                return pid.get(INT, 0);
            } finally {
                Native.invoke(() -> (int) FILE_ACTIONS_DESTROY.invokeExact(actions));
                Native.invoke(() -> (int) ATTR_DESTROY.invokeExact(attributes));
                for (int fd : temporaries) Posix.close(fd);
            }
        }
    }

    /** posix_spawn and its helpers return an error number instead of setting errno. */
    private static void check(String call, int error) throws LinuxException {
        if (error != 0) throw new LinuxException(call, error);
    }
}
