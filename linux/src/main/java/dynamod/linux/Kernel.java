package dynamod.linux;

import static dynamod.linux.Native.INT;
import static dynamod.linux.Native.LONG;
import static dynamod.linux.Native.POINTER;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * The machine-wide calls a PID 1 makes: mounts, the root switch, module loading, the hostname, reboot(2), and the
 * last exec. Failures throw {@link LinuxException}.
 */
public final class Kernel {

    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16,
            MS_REMOUNT = 32, MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024,
            MS_NODIRATIME = 2048, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768,
            MS_PRIVATE = 1 << 18, MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25;

    public static final int MNT_FORCE = 1, MNT_DETACH = 2;

    /** reboot(2) commands (glibc's RB_* are the same numbers). */
    public static final int REBOOT_RESTART = 0x01234567, REBOOT_HALT = 0xCDEF0123, REBOOT_POWER_OFF = 0x4321FEDC,
            REBOOT_CAD_ON = 0x89ABCDEF, REBOOT_CAD_OFF = 0;

    /** statfs f_type of the filesystems an initramfs lives on. */
    public static final long RAMFS_MAGIC = 0x858458f6L, TMPFS_MAGIC = 0x01021994L;

    private static final long SYS_FINIT_MODULE = 313, SYS_CLOSE_RANGE = 436;
    private static final long CLOSE_RANGE_CLOEXEC = 4;
    private static final int SIG_BLOCK = 0, SFD_CLOEXEC = 02000000;

    private static final MethodHandle MOUNT = Native.errnoFunction("mount", INT, POINTER, POINTER, POINTER, LONG, POINTER);
    private static final MethodHandle UMOUNT2 = Native.errnoFunction("umount2", INT, POINTER, INT);
    private static final MethodHandle CHROOT = Native.errnoFunction("chroot", INT, POINTER);
    private static final MethodHandle CHDIR = Native.errnoFunction("chdir", INT, POINTER);
    private static final MethodHandle REBOOT = Native.errnoFunction("reboot", INT, INT);
    private static final MethodHandle SETHOSTNAME = Native.errnoFunction("sethostname", INT, POINTER, LONG);
    private static final MethodHandle SYNC = Native.voidFunction("sync");
    private static final MethodHandle STATFS = Native.errnoFunction("statfs", INT, POINTER, POINTER);
    private static final MethodHandle EXECVE = Native.errnoFunction("execve", INT, POINTER, POINTER, POINTER);
    private static final MethodHandle SETSID = Native.errnoFunction("setsid", INT);
    private static final MethodHandle PTHREAD_SIGMASK = Native.function("pthread_sigmask", INT, INT, POINTER, POINTER);
    private static final MethodHandle SIGNALFD = Native.errnoFunction("signalfd", INT, INT, POINTER, INT);
    private static final MethodHandle SOCKET = Native.errnoFunction("socket", INT, INT, INT, INT);
    private static final MethodHandle IOCTL = Native.variadicErrnoFunction("ioctl", 2, INT, INT, LONG, POINTER);
    private static final int AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 02000000;
    private static final long SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914;
    public static final int IFF_UP = 0x1;
    private static final MethodHandle SYSCALL3 =
            Native.variadicErrnoFunction("syscall", 1, LONG, LONG, LONG, LONG, LONG);

    private Kernel() {}

    /** mount(2); source, fstype and data may be null. */
    public static void mount(String source, String target, String fstype, long flags, String data) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = cString(arena, source), tgt = arena.allocateFrom(target), type = cString(arena, fstype),
                    options = cString(arena, data);
            Native.call("mount", (source == null ? "" : source + " ") + target,
                    s -> (int) MOUNT.invokeExact(s, src, tgt, type, flags, options));
        }
    }

    public static void umount(String target, int flags) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tgt = arena.allocateFrom(target);
            Native.call("umount2", target, s -> (int) UMOUNT2.invokeExact(s, tgt, flags));
        }
    }

    public static void chroot(String path) throws LinuxException {
        pathCall("chroot", CHROOT, path);
    }

    public static void chdir(String path) throws LinuxException {
        pathCall("chdir", CHDIR, path);
    }

    /** reboot(2): one of the REBOOT_* commands. RESTART, HALT and POWER_OFF do not return when they work. */
    public static void reboot(int command) throws LinuxException {
        Native.call("reboot", Integer.toHexString(command), s -> (int) REBOOT.invokeExact(s, command));
    }

    public static void sethostname(String name) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            MemorySegment cName = arena.allocate(Math.max(bytes.length, 1));
            MemorySegment.copy(bytes, 0, cName, Native.BYTE, 0, bytes.length);
            Native.call("sethostname", name, s -> (int) SETHOSTNAME.invokeExact(s, cName, (long) bytes.length));
        }
    }

    public static void sync() {
        Native.invoke(() -> {
            SYNC.invokeExact();
            return null;
        });
    }

    /** The f_type of the filesystem path is on (statfs(2)). */
    public static long filesystemType(String path) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            MemorySegment buf = arena.allocate(256, 8); // struct statfs is 120 bytes on x86_64; f_type comes first
            Native.call("statfs", path, s -> (int) STATFS.invokeExact(s, cPath, buf));
            return buf.get(LONG, 0) & 0xffffffffL;
        }
    }

    /** Loads a kernel module from an open .ko file (finit_module(2)) with its parameters ("" for none). */
    public static void loadModule(int fd, String parameters, String name) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocateFrom(parameters);
            Native.call("finit_module", name,
                    s -> (long) SYSCALL3.invokeExact(s, SYS_FINIT_MODULE, (long) fd, params.address(), 0L));
        }
    }

    /**
     * Marks every fd from {@code first} up close-on-exec (close_range(2) with CLOSE_RANGE_CLOEXEC): the JVM keeps
     * using them until the exec, and none of them reaches the next program.
     */
    public static void closeOnExecFrom(int first) throws LinuxException {
        Native.call("close_range", String.valueOf(first),
                s -> (long) SYSCALL3.invokeExact(s, SYS_CLOSE_RANGE, (long) first, 0xffffffffL, CLOSE_RANGE_CLOEXEC));
    }

    /** Replaces this process (every thread of the JVM) with the program; returns only by throwing. */
    public static void execve(String path, List<String> argv, List<String> env) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            MemorySegment cArgv = Native.stringArray(arena, argv), cEnv = Native.stringArray(arena, env);
            Native.call("execve", path, s -> (int) EXECVE.invokeExact(s, cPath, cArgv, cEnv));
        }
    }

    public static int setsid() throws LinuxException {
        return (int) Native.call("setsid", s -> (int) SETSID.invokeExact(s));
    }

    /**
     * Blocks the signals in the calling thread (threads it starts later inherit the mask, and so does a program it
     * execs). Signals the JVM cannot name (the real-time ones) reach Java only this way, through a signalfd.
     */
    public static void blockSignals(int... signals) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = signalSet(arena, signals);
            int error = Native.invoke(() -> (int) PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, set, MemorySegment.NULL));
            if (error != 0) throw new LinuxException("pthread_sigmask", error);
        }
    }

    /** A close-on-exec signalfd for the signals (which must be blocked in every thread to arrive there). */
    public static int signalFd(int... signals) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = signalSet(arena, signals);
            return (int) Native.call("signalfd", s -> (int) SIGNALFD.invokeExact(s, -1, set, SFD_CLOEXEC));
        }
    }

    /** Reads one signal from a signalfd (blocking): its number. */
    public static int readSignal(int signalFd) throws LinuxException {
        byte[] info = new byte[128]; // struct signalfd_siginfo; ssi_signo is its first u32
        int n = Posix.read(signalFd, info, 0, info.length);
        if (n < 4) throw new LinuxException("read", String.valueOf(signalFd), Errno.EIO);
        return (info[0] & 0xff) | (info[1] & 0xff) << 8 | (info[2] & 0xff) << 16 | (info[3] & 0xff) << 24;
    }

    /** A network interface's flags (SIOCGIFFLAGS): IFF_UP, ... */
    public static int interfaceFlags(String name) throws LinuxException {
        return withInterface(name, (fd, ifreq) -> ifreq.get(Native.SHORT, 16) & 0xffff);
    }

    /** Sets IFF_UP on the interface ({@code lo}: 127.0.0.1 works from then on); nothing if it is up already. */
    public static void interfaceUp(String name) throws LinuxException {
        withInterface(name, (fd, ifreq) -> {
            short flags = ifreq.get(Native.SHORT, 16);
            if ((flags & IFF_UP) != 0) return 0;
            ifreq.set(Native.SHORT, 16, (short) (flags | IFF_UP));
            Native.call("ioctl SIOCSIFFLAGS", name, s -> (int) IOCTL.invokeExact(s, fd, SIOCSIFFLAGS, ifreq));
            return 0;
        });
    }

    @FunctionalInterface
    private interface InterfaceCall {
        int run(int socketFd, MemorySegment ifreq) throws LinuxException;
    }

    /** struct ifreq: the name (16 bytes, NUL-terminated), then a union whose first member here is the flags. */
    private static int withInterface(String name, InterfaceCall call) throws LinuxException {
        byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length > 15) throw new IllegalArgumentException("interface name longer than 15 bytes: " + name);
        int fd = (int) Native.call("socket", s -> (int) SOCKET.invokeExact(s, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(40, 8);
            MemorySegment.copy(bytes, 0, ifreq, Native.BYTE, 0, bytes.length);
            Native.call("ioctl SIOCGIFFLAGS", name, s -> (int) IOCTL.invokeExact(s, fd, SIOCGIFFLAGS, ifreq));
            return call.run(fd, ifreq);
        } finally {
            Posix.close(fd);
        }
    }

    private static MemorySegment signalSet(Arena arena, int... signals) {
        MemorySegment set = arena.allocate(128, 8); // sigset_t is 1024 bits in glibc; the kernel reads the first 64
        for (int signal : signals) {
            if (signal < 1 || signal > 64) throw new IllegalArgumentException("no such signal: " + signal);
            set.set(LONG, 0, set.get(LONG, 0) | 1L << (signal - 1));
        }
        return set;
    }

    private static void pathCall(String name, MethodHandle handle, String path) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            Native.call(name, path, s -> (int) handle.invokeExact(s, cPath));
        }
    }

    private static MemorySegment cString(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }
}
