package dynamod.linux;

import static dynamod.linux.Native.BYTE;
import static dynamod.linux.Native.INT;
import static dynamod.linux.Native.LONG;
import static dynamod.linux.Native.POINTER;
import static dynamod.linux.Native.SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

/** Process, fd and wait system calls through FFM. Failures throw {@link LinuxException} unless a method says otherwise. */
public final class Posix {

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;

    /** memfd seals (F_ADD_SEALS, F_GET_SEALS). */
    public static final int F_SEAL_SEAL = 0x1;
    public static final int F_SEAL_SHRINK = 0x2;
    public static final int F_SEAL_GROW = 0x4;
    public static final int F_SEAL_WRITE = 0x8;

    /** lseek(2) whence. */
    public static final int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;

    public static final short POLLIN = 0x1;
    public static final short POLLPRI = 0x2;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    private static final int F_GETFD = 1;
    private static final int F_SETFD = 2;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_ADD_SEALS = 1033;
    private static final int F_GET_SEALS = 1034;
    private static final int MFD_CLOEXEC = 1;
    private static final int MFD_ALLOW_SEALING = 2;
    private static final int FD_CLOEXEC = 1;
    private static final int WNOHANG = 1;
    private static final int PR_SET_PDEATHSIG = 1;
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;

    private static final MethodHandle GETPID = Native.function("getpid", INT);
    private static final MethodHandle GETPPID = Native.function("getppid", INT);
    private static final MethodHandle GETUID = Native.function("getuid", INT);
    private static final MethodHandle GETEUID = Native.function("geteuid", INT);
    private static final MethodHandle GETGID = Native.function("getgid", INT);
    private static final MethodHandle KILL = Native.errnoFunction("kill", INT, INT, INT);
    private static final MethodHandle PRCTL = Native.variadicErrnoFunction("prctl", 1, INT, INT, LONG, LONG, LONG, LONG);
    private static final MethodHandle PIPE2 = Native.errnoFunction("pipe2", INT, POINTER, INT);
    private static final MethodHandle CLOSE = Native.errnoFunction("close", INT, INT);
    private static final MethodHandle READ = Native.errnoFunction("read", LONG, INT, POINTER, LONG);
    private static final MethodHandle PREAD = Native.errnoFunction("pread", LONG, INT, POINTER, LONG, LONG);
    private static final MethodHandle LSEEK = Native.errnoFunction("lseek", LONG, INT, LONG, INT);
    private static final MethodHandle MEMFD_CREATE = Native.errnoFunction("memfd_create", INT, POINTER, INT);
    private static final MethodHandle WRITE = Native.errnoFunction("write", LONG, INT, POINTER, LONG);
    private static final MethodHandle FCNTL = Native.variadicErrnoFunction("fcntl", 2, INT, INT, INT, INT);
    private static final MethodHandle OPEN = Native.variadicErrnoFunction("open", 2, INT, POINTER, INT, INT);
    private static final MethodHandle WAITPID = Native.errnoFunction("waitpid", INT, INT, POINTER, INT);
    private static final MethodHandle WAITID = Native.errnoFunction("waitid", INT, INT, INT, POINTER, INT);
    private static final MethodHandle POLL = Native.errnoFunction("poll", INT, POINTER, LONG, INT);
    private static final MethodHandle SPLICE = Native.errnoFunction("splice", LONG, INT, POINTER, INT, POINTER, LONG, INT);
    private static final MethodHandle FALLOCATE = Native.errnoFunction("fallocate", INT, INT, INT, LONG, LONG);
    private static final MethodHandle SYSCALL2 = Native.variadicErrnoFunction("syscall", 1, LONG, LONG, LONG, LONG);
    private static final MethodHandle SYSCALL4 =
            Native.variadicErrnoFunction("syscall", 1, LONG, LONG, LONG, LONG, LONG, LONG);

    private Posix() {}

    /** A reaped child: {@code exitCode} when it exited, else {@code signal} (and exitCode -1). */
    public record Reaped(int pid, int exitCode, int signal, boolean coreDumped) {

        public boolean signalled() {
            return signal != 0;
        }

        static Reaped of(int pid, int status) {
            int termSignal = status & 0x7f;
            if (termSignal == 0) return new Reaped(pid, (status >> 8) & 0xff, 0, false);
            return new Reaped(pid, -1, termSignal, (status & 0x80) != 0);
        }

        @Override
        public String toString() {
            return signalled()
                    ? "pid " + pid + " killed by " + Signals.name(signal) + (coreDumped ? " (core dumped)" : "")
                    : "pid " + pid + " exited " + exitCode;
        }
    }

    public static int getpid() {
        return Native.invoke(() -> (int) GETPID.invokeExact());
    }

    public static int getppid() {
        return Native.invoke(() -> (int) GETPPID.invokeExact());
    }

    public static int getuid() {
        return Native.invoke(() -> (int) GETUID.invokeExact());
    }

    public static int geteuid() {
        return Native.invoke(() -> (int) GETEUID.invokeExact());
    }

    public static int getgid() {
        return Native.invoke(() -> (int) GETGID.invokeExact());
    }

    public static void kill(int pid, int signal) throws LinuxException {
        Native.call("kill", pid + " " + Signals.name(signal), s -> (int) KILL.invokeExact(s, pid, signal));
    }

    /** Whether a process with this pid exists (a zombie counts); EPERM means it does, just not ours to signal. */
    public static boolean exists(int pid) throws LinuxException {
        long result = Native.raw(s -> (int) KILL.invokeExact(s, pid, 0));
        if (result >= 0 || result == -Errno.EPERM) return true;
        if (result == -Errno.ESRCH) return false;
        throw new LinuxException("kill", pid + " 0", (int) -result);
    }

    /** Orphaned descendants are re-parented to us rather than to PID 1, so we reap them. */
    public static void setChildSubreaper() throws LinuxException {
        prctl("prctl PR_SET_CHILD_SUBREAPER", PR_SET_CHILD_SUBREAPER, 1);
    }

    /** The signal the kernel sends this process when the thread that forked it dies. */
    public static void setParentDeathSignal(int signal) throws LinuxException {
        prctl("prctl PR_SET_PDEATHSIG", PR_SET_PDEATHSIG, signal);
    }

    private static void prctl(String what, int option, long arg) throws LinuxException {
        Native.call(what, s -> (int) PRCTL.invokeExact(s, option, arg, 0L, 0L, 0L));
    }

    /** A pipe, both ends close-on-exec: {readFd, writeFd}. */
    public static int[] pipe() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(INT, 2);
            Native.call("pipe2", s -> (int) PIPE2.invokeExact(s, fds, O_CLOEXEC));
            return new int[] {fds.getAtIndex(INT, 0), fds.getAtIndex(INT, 1)};
        }
    }

    /** Closes; EINTR is not retried (Linux has released the fd by then, and it may already be reused). */
    public static void close(int fd) throws LinuxException {
        long result = Native.raw(s -> (int) CLOSE.invokeExact(s, fd));
        if (result < 0 && result != -Errno.EINTR) throw new LinuxException("close", String.valueOf(fd), (int) -result);
    }

    /** Closes each fd that is not negative, ignoring failures: cleanup after another error, or of an fd that may be closed. */
    public static void closeQuietly(int... fds) {
        for (int fd : fds) {
            if (fd < 0) continue;
            try {
                close(fd);
            } catch (LinuxException ignored) {
                // the error that led here is the one to report
            }
        }
    }

    /** Bytes read; 0 at end of file; -1 when a non-blocking fd has nothing (EAGAIN). */
    public static int read(int fd, byte[] buf, int off, int len) throws LinuxException {
        Objects.checkFromIndexSize(off, len, buf.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(len, 1));
            long n;
            do {
                n = Native.raw(s -> (long) READ.invokeExact(s, fd, buffer, (long) len));
            } while (n == -Errno.EINTR);
            if (n == -Errno.EAGAIN) return -1;
            if (n < 0) throw new LinuxException("read", String.valueOf(fd), (int) -n);
            MemorySegment.copy(buffer, BYTE, 0, buf, off, (int) n);
            return (int) n;
        }
    }

    /**
     * Bytes read at {@code position} (the fd's own offset is neither used nor moved); 0 at end of file. This is how a
     * file passed by another process is read from its start, whatever offset the sender's writes left it at.
     */
    public static int pread(int fd, byte[] buf, int off, int len, long position) throws LinuxException {
        Objects.checkFromIndexSize(off, len, buf.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(len, 1));
            long n;
            do {
                n = Native.raw(s -> (long) PREAD.invokeExact(s, fd, buffer, (long) len, position));
            } while (n == -Errno.EINTR);
            if (n < 0) throw new LinuxException("pread", String.valueOf(fd), (int) -n);
            MemorySegment.copy(buffer, BYTE, 0, buf, off, (int) n);
            return (int) n;
        }
    }

    /**
     * Moves the fd's offset; returns the new one. On {@code /dev/kmsg} {@code (0, SEEK_END)} puts this open file's
     * reader after the last record there is (each open has its own position; other readers are not moved).
     */
    public static long lseek(int fd, long offset, int whence) throws LinuxException {
        return Native.call("lseek", String.valueOf(fd), s -> (long) LSEEK.invokeExact(s, fd, offset, whence));
    }

    /** An anonymous memory file (close-on-exec), sealable with {@link #addSeals} when allowSealing. */
    public static int memfdCreate(String name, boolean allowSealing) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            int flags = MFD_CLOEXEC | (allowSealing ? MFD_ALLOW_SEALING : 0);
            return (int) Native.call("memfd_create", name, s -> (int) MEMFD_CREATE.invokeExact(s, cName, flags));
        }
    }

    public static void addSeals(int fd, int seals) throws LinuxException {
        fcntl("fcntl F_ADD_SEALS", fd, F_ADD_SEALS, seals);
    }

    /** The fd's seals ({@code F_SEAL_*}); 0 for a file that cannot be sealed (not a memfd: EINVAL). */
    public static int seals(int fd) throws LinuxException {
        long result = Native.raw(s -> (int) FCNTL.invokeExact(s, fd, F_GET_SEALS, 0));
        if (result == -Errno.EINVAL) return 0;
        if (result < 0) throw new LinuxException("fcntl F_GET_SEALS", String.valueOf(fd), (int) -result);
        return (int) result;
    }

    /**
     * Moves up to {@code len} bytes from a pipe into a file at {@code fileOffset}, inside the kernel (splice, no copy
     * through this process): the bytes are in the file, or still in the pipe, whatever happens to this process.
     * Returns the bytes moved; 0 when every writer closed the pipe and it is empty; -1 when it is empty now (EAGAIN).
     */
    public static long splice(int pipeFd, int fileFd, long fileOffset, int len) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offset = arena.allocate(LONG);
            offset.set(LONG, 0, fileOffset);
            long n;
            do {
                n = Native.raw(s -> (long) SPLICE.invokeExact(s, pipeFd, MemorySegment.NULL, fileFd, offset, (long) len,
                        SPLICE_F_MOVE | SPLICE_F_NONBLOCK));
            } while (n == -Errno.EINTR);
            if (n == -Errno.EAGAIN) return -1;
            if (n < 0) throw new LinuxException("splice", String.valueOf(pipeFd), (int) -n);
            return n;
        }
    }

    /** Frees the file's blocks in [offset, offset+length) without changing its size or the offsets after them. */
    public static void punchHole(int fd, long offset, long length) throws LinuxException {
        Native.call("fallocate", String.valueOf(fd),
                s -> (int) FALLOCATE.invokeExact(s, fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, offset, length));
    }

    private static final int SPLICE_F_MOVE = 1, SPLICE_F_NONBLOCK = 2, FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;

    /** Bytes written (possibly fewer than len); -1 when a non-blocking fd is full (EAGAIN). */
    public static int write(int fd, byte[] buf, int off, int len) throws LinuxException {
        Objects.checkFromIndexSize(off, len, buf.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(len, 1));
            MemorySegment.copy(buf, off, buffer, BYTE, 0, len);
            long n;
            do {
                n = Native.raw(s -> (long) WRITE.invokeExact(s, fd, buffer, (long) len));
            } while (n == -Errno.EINTR);
            if (n == -Errno.EAGAIN) return -1;
            if (n < 0) throw new LinuxException("write", String.valueOf(fd), (int) -n);
            return (int) n;
        }
    }

    /** Writes all of buf, waiting in poll while a non-blocking fd is full. */
    public static void writeFully(int fd, byte[] buf) throws LinuxException {
        int off = 0;
        while (off < buf.length) {
            int n = write(fd, buf, off, buf.length - off);
            if (n < 0) poll(new int[] {fd}, new short[] {POLLOUT}, new short[1], -1);
            else off += n;
        }
    }

    public static void setNonBlocking(int fd, boolean on) throws LinuxException {
        int flags = fcntl("fcntl F_GETFL", fd, F_GETFL, 0);
        fcntl("fcntl F_SETFL", fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
    }

    public static void setCloexec(int fd, boolean on) throws LinuxException {
        int flags = fcntl("fcntl F_GETFD", fd, F_GETFD, 0);
        fcntl("fcntl F_SETFD", fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
    }

    /** A close-on-exec duplicate, numbered 3 or above (never stdin, stdout or stderr). */
    public static int dup(int fd) throws LinuxException {
        return fcntlDupAbove(fd, 3);
    }

    /** A close-on-exec duplicate numbered min or above. */
    static int fcntlDupAbove(int fd, int min) throws LinuxException {
        return fcntl("fcntl F_DUPFD_CLOEXEC", fd, F_DUPFD_CLOEXEC, min);
    }

    private static int fcntl(String what, int fd, int command, int arg) throws LinuxException {
        return (int) Native.call(what, String.valueOf(fd), s -> (int) FCNTL.invokeExact(s, fd, command, arg));
    }

    public static int open(String path, int flags, int mode) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            return (int) Native.call("open", path, s -> (int) OPEN.invokeExact(s, cPath, flags, mode));
        }
    }

    /** Reaps any child: null when none has exited (non-blocking) or there are no children at all (ECHILD). */
    public static Reaped waitAny(boolean block) throws LinuxException {
        return waitpid(-1, block, true);
    }

    /**
     * Reaps this child: null when it has not exited yet (non-blocking). Unlike {@link #waitAny}, ECHILD throws: the pid
     * is not our child, or someone else reaped it.
     */
    public static Reaped waitPid(int pid, boolean block) throws LinuxException {
        return waitpid(pid, block, false);
    }

    /**
     * The next child that exited, without reaping it (waitid with WNOWAIT): it stays a zombie until {@link #waitPid}
     * reaps it. A manager that peeks, records the exit and only then reaps loses no exit when it dies in between: the
     * zombie passes to the next subreaper, which reaps it and reports. Null when no child has exited (non-blocking) or
     * there are no children.
     */
    public static Reaped peekAny(boolean block) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(128);
            int options = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
            long result;
            do {
                info.fill((byte) 0);
                result = Native.raw(s -> (int) WAITID.invokeExact(s, P_ALL, 0, info, options));
            } while (result == -Errno.EINTR);
            if (result == -Errno.ECHILD) return null;
            if (result < 0) throw new LinuxException("waitid", (int) -result);
            // siginfo_t: si_signo, si_errno, si_code, (pad), then for SIGCHLD si_pid, si_uid, si_status.
            int code = info.get(INT, 8), pid = info.get(INT, 16), status = info.get(INT, 24);
            if (pid == 0) return null;
            return switch (code) {
                case CLD_EXITED -> new Reaped(pid, status, 0, false);
                case CLD_KILLED -> new Reaped(pid, -1, status, false);
                case CLD_DUMPED -> new Reaped(pid, -1, status, true);
                default -> null; // stopped or continued: not an exit (WEXITED asks only for exits)
            };
        }
    }

    private static final int P_ALL = 0, WEXITED = 4, WNOWAIT = 0x01000000, CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;

    private static Reaped waitpid(int pid, boolean block, boolean noChildIsNull) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(INT);
            int options = block ? 0 : WNOHANG;
            long result;
            do {
                result = Native.raw(s -> (int) WAITPID.invokeExact(s, pid, status, options));
            } while (result == -Errno.EINTR);
            if (result == 0 || (result == -Errno.ECHILD && noChildIsNull)) return null;
            if (result < 0) throw new LinuxException("waitpid", String.valueOf(pid), (int) -result);
            return Reaped.of((int) result, status.get(INT, 0));
        }
    }

    /**
     * Waits until one of the fds has one of its events, or timeoutMillis pass (-1: forever). Fills revents; returns
     * how many fds are ready, 0 on timeout or when a signal interrupted the wait (EINTR).
     */
    public static int poll(int[] fds, short[] events, short[] revents, int timeoutMillis) throws LinuxException {
        if (events.length != fds.length || revents.length != fds.length) {
            throw new IllegalArgumentException("fds, events and revents differ in length");
        }
        try (Arena arena = Arena.ofConfined()) {
            // struct pollfd { int fd; short events; short revents; }
            MemorySegment pollfds = arena.allocate(8L * Math.max(fds.length, 1), 4);
            for (int i = 0; i < fds.length; i++) {
                pollfds.set(INT, 8L * i, fds[i]);
                pollfds.set(SHORT, 8L * i + 4, events[i]);
            }
            long n = Native.raw(s -> (int) POLL.invokeExact(s, pollfds, (long) fds.length, timeoutMillis));
            if (n == -Errno.EINTR) n = 0;
            if (n < 0) throw new LinuxException("poll", (int) -n);
            for (int i = 0; i < fds.length; i++) revents[i] = n == 0 ? 0 : pollfds.get(SHORT, 8L * i + 6);
            return (int) n;
        }
    }

    /** A pidfd for the process (close-on-exec): signals sent through it cannot hit a recycled pid. */
    public static int pidfdOpen(int pid) throws LinuxException {
        return (int) Native.call("pidfd_open", String.valueOf(pid),
                s -> (long) SYSCALL2.invokeExact(s, SYS_PIDFD_OPEN, (long) pid, 0L));
    }

    public static void pidfdSendSignal(int pidfd, int signal) throws LinuxException {
        Native.call("pidfd_send_signal", pidfd + " " + Signals.name(signal),
                s -> (long) SYSCALL4.invokeExact(s, SYS_PIDFD_SEND_SIGNAL, (long) pidfd, (long) signal, 0L, 0L));
    }
}
