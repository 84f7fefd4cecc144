package dynamod.linux;

import static dynamod.linux.Native.BYTE;
import static dynamod.linux.Native.INT;
import static dynamod.linux.Native.LONG;
import static dynamod.linux.Native.POINTER;
import static dynamod.linux.Native.SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * AF_UNIX sockets through FFM, with what the JDK's channels lack: credentials (SO_PASSCRED, SO_PEERCRED) and fd
 * passing (SCM_RIGHTS). Every fd made here, received ones too, is close-on-exec.
 */
public final class UnixSockets {

    /** sun_path holds 108 bytes, one of them the terminating NUL. */
    public static final int MAX_PATH_BYTES = 107;

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PASSCRED = 16;
    private static final int SO_PEERCRED = 17;
    private static final int SCM_RIGHTS = 1;
    private static final int SCM_CREDENTIALS = 2;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SHUT_RDWR = 2;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /** The kernel's limit of fds in one SCM_RIGHTS message. */
    private static final int MAX_FDS_PER_MESSAGE = 253;
    private static final long CMSG_HEADER = 16; // struct cmsghdr { size_t len; int level; int type; }
    private static final long CONTROL_BYTES = cmsgSpace(4L * MAX_FDS_PER_MESSAGE) + cmsgSpace(12);
    private static final long SOCKADDR_UN_BYTES = 110;
    private static final long MSGHDR_BYTES = 56;

    private static final MethodHandle SOCKET = Native.errnoFunction("socket", INT, INT, INT, INT);
    private static final MethodHandle SOCKETPAIR = Native.errnoFunction("socketpair", INT, INT, INT, INT, POINTER);
    private static final MethodHandle BIND = Native.errnoFunction("bind", INT, INT, POINTER, INT);
    private static final MethodHandle LISTEN = Native.errnoFunction("listen", INT, INT, INT);
    private static final MethodHandle ACCEPT4 = Native.errnoFunction("accept4", INT, INT, POINTER, POINTER, INT);
    private static final MethodHandle CONNECT = Native.errnoFunction("connect", INT, INT, POINTER, INT);
    private static final MethodHandle SETSOCKOPT = Native.errnoFunction("setsockopt", INT, INT, INT, INT, POINTER, INT);
    private static final MethodHandle GETSOCKOPT = Native.errnoFunction("getsockopt", INT, INT, INT, INT, POINTER, POINTER);
    private static final MethodHandle SENDMSG = Native.errnoFunction("sendmsg", LONG, INT, POINTER, INT);
    private static final MethodHandle RECVMSG = Native.errnoFunction("recvmsg", LONG, INT, POINTER, INT);
    private static final MethodHandle SHUTDOWN = Native.errnoFunction("shutdown", INT, INT, INT);
    private static final MethodHandle CHMOD = Native.errnoFunction("chmod", INT, POINTER, INT);
    private static final MethodHandle IOCTL = Native.variadicErrnoFunction("ioctl", 2, INT, INT, LONG, POINTER);
    private static final long SIOCINQ = 0x541B; // FIONREAD

    private UnixSockets() {}

    /** A received datagram; pid, uid and gid are -1 when no SCM_CREDENTIALS came with it. */
    public record Datagram(byte[] data, int pid, int uid, int gid, int[] fds, boolean truncated) {}

    public record Credentials(int pid, int uid, int gid) {}

    /** A received message; length 0 is end of file. */
    public record Message(byte[] data, int length, int[] fds) {}

    /**
     * A datagram socket bound at path (a stale socket there is removed). With passCredentials (SO_PASSCRED, set before
     * bind so no datagram arrives without them) every datagram carries its sender's pid, uid and gid.
     */
    public static int bindDatagram(Path path, boolean passCredentials) throws LinuxException {
        int fd = socket(SOCK_DGRAM);
        try {
            if (passCredentials) setIntOption(fd, SO_PASSCRED, 1);
            bind(fd, path);
            return fd;
        } catch (LinuxException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * Receives one datagram of at most maxBytes (longer ones are cut: truncated). Non-blocking unless block; null
     * when nothing is waiting. The caller owns any fds that came with it.
     */
    public static Datagram receive(int fd, int maxBytes, boolean block) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            Received r = recvmsg(arena, fd, maxBytes, MSG_CMSG_CLOEXEC | (block ? 0 : MSG_DONTWAIT));
            if (r == null) return null;
            return new Datagram(r.data, r.pid, r.uid, r.gid, r.fds, (r.flags & (MSG_TRUNC | MSG_CTRUNC)) != 0);
        }
    }

    /**
     * The size of the next datagram waiting on a datagram socket (SIOCINQ), 0 when none is (or it is empty): lets a
     * reader size its buffer to what arrived instead of to the largest datagram it accepts.
     */
    public static int nextDatagramSize(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(INT);
            Native.call("ioctl SIOCINQ", String.valueOf(fd), s -> (int) IOCTL.invokeExact(s, fd, SIOCINQ, size));
            return size.get(INT, 0);
        }
    }

    /** Sends one datagram to the socket bound at to, with fds (SCM_RIGHTS) if any, from a fresh unbound socket. */
    public static void sendDatagram(Path to, byte[] data, int[] fds) throws LinuxException {
        int fd = socket(SOCK_DGRAM);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = address(arena, to, "sendmsg");
            long sent = sendmsg(arena, fd, address, data, 0, fds);
            if (sent != data.length) throw new LinuxException("sendmsg", Errno.EMSGSIZE, "sendmsg " + to + ": datagram cut short");
        } finally {
            Posix.closeQuietly(fd);
        }
    }

    /**
     * A listening stream socket at path, its file given mode (e.g. 0600). The mode is set between bind and listen:
     * until listen, connecting fails, so no one gets in under the umask's permissions.
     */
    public static int listenStream(Path path, int backlog, int mode) throws LinuxException {
        int fd = socket(SOCK_STREAM);
        try (Arena arena = Arena.ofConfined()) {
            bind(fd, path);
            MemorySegment cPath = arena.allocateFrom(path.toString());
            Native.call("chmod", path.toString(), s -> (int) CHMOD.invokeExact(s, cPath, mode));
            Native.call("listen", path.toString(), s -> (int) LISTEN.invokeExact(s, fd, backlog));
            return fd;
        } catch (LinuxException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
    }

    /** Waits for a connection; {@link #shutdown} of the listening fd from another thread ends the wait (EINVAL). */
    public static int accept(int listenFd) throws LinuxException {
        return (int) Native.call("accept4", String.valueOf(listenFd),
                s -> (int) ACCEPT4.invokeExact(s, listenFd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC));
    }

    public static int connectStream(Path path) throws LinuxException {
        int fd = socket(SOCK_STREAM);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = address(arena, path, "connect");
            int length = addressLength(address);
            long result = Native.raw(s -> (int) CONNECT.invokeExact(s, fd, address, length));
            // After EINTR the connection goes on in the kernel; a second connect says how it went.
            while (result == -Errno.EINTR) {
                result = Native.raw(s -> (int) CONNECT.invokeExact(s, fd, address, length));
                if (result == -Errno.EISCONN) result = 0;
            }
            if (result < 0) throw new LinuxException("connect", path.toString(), (int) -result);
            return fd;
        } catch (LinuxException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
    }

    /** The pid, uid and gid of the peer as of connect (SO_PEERCRED). */
    public static Credentials peerCredentials(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ucred = arena.allocate(12, 4);
            MemorySegment length = arena.allocateFrom(INT, 12);
            Native.call("getsockopt SO_PEERCRED", String.valueOf(fd),
                    s -> (int) GETSOCKOPT.invokeExact(s, fd, SOL_SOCKET, SO_PEERCRED, ucred, length));
            return new Credentials(ucred.get(INT, 0), ucred.get(INT, 4), ucred.get(INT, 8));
        }
    }

    /** A connected pair: SOCK_SEQPACKET (message boundaries kept) or SOCK_STREAM. */
    public static int[] socketPair(boolean seqpacket) throws LinuxException {
        int type = (seqpacket ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pair = arena.allocate(INT, 2);
            Native.call("socketpair", s -> (int) SOCKETPAIR.invokeExact(s, AF_UNIX, type, 0, pair));
            return new int[] {pair.getAtIndex(INT, 0), pair.getAtIndex(INT, 1)};
        }
    }

    /**
     * Sends data with fds (SCM_RIGHTS) on a connected socket; all of it (a stream socket may take it in parts). Data
     * must not be empty: the fds ride on its first byte, and a zero-length message reads as end of file.
     */
    public static void sendWithFds(int fd, byte[] data, int[] fds) throws LinuxException {
        if (data.length == 0) throw new IllegalArgumentException("sendWithFds needs at least one byte of data");
        try (Arena arena = Arena.ofConfined()) {
            int off = (int) sendmsg(arena, fd, MemorySegment.NULL, data, 0, fds);
            while (off < data.length) off += (int) sendmsg(arena, fd, MemorySegment.NULL, data, off, new int[0]);
        }
    }

    /**
     * Waits for one message of at most maxBytes, with any fds it carries (owned by the caller). A message longer than
     * maxBytes (on a seqpacket socket) throws EMSGSIZE, its fds closed.
     */
    public static Message receiveWithFds(int fd, int maxBytes) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            Received r = recvmsg(arena, fd, maxBytes, MSG_CMSG_CLOEXEC);
            if (r == null) throw new LinuxException("recvmsg", String.valueOf(fd), Errno.EAGAIN); // a non-blocking fd
            if ((r.flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
                for (int received : r.fds) Posix.closeQuietly(received);
                throw new LinuxException("recvmsg", Errno.EMSGSIZE,
                        "recvmsg " + fd + ": message longer than " + maxBytes + " bytes, or with too many fds");
            }
            return new Message(r.data, r.data.length, r.fds);
        }
    }

    /** shutdown(SHUT_RDWR): wakes threads blocked in accept or read on this fd before it is closed. */
    public static void shutdown(int fd) throws LinuxException {
        long result = Native.raw(s -> (int) SHUTDOWN.invokeExact(s, fd, SHUT_RDWR));
        if (result < 0 && result != -Errno.ENOTCONN) throw new LinuxException("shutdown", String.valueOf(fd), (int) -result);
    }

    private static int socket(int type) throws LinuxException {
        return (int) Native.call("socket", s -> (int) SOCKET.invokeExact(s, AF_UNIX, type | SOCK_CLOEXEC, 0));
    }

    private static void setIntOption(int fd, int option, int value) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(INT, value);
            Native.call("setsockopt", String.valueOf(fd),
                    s -> (int) SETSOCKOPT.invokeExact(s, fd, SOL_SOCKET, option, v, 4));
        }
    }

    private static void bind(int fd, Path path) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = address(arena, path, "bind");
            removeStaleSocket(path);
            int length = addressLength(address);
            Native.call("bind", path.toString(), s -> (int) BIND.invokeExact(s, fd, address, length));
        }
    }

    /** Only a socket is removed; anything else at the path stays, and bind then fails with EADDRINUSE. */
    private static void removeStaleSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) == S_IFSOCK) Files.delete(path);
        } catch (IOException | UnsupportedOperationException nothingToRemove) {
            // absent, or not ours to remove: bind reports it
        }
    }

    /** struct sockaddr_un for path; ENAMETOOLONG when the path does not fit in sun_path. */
    private static MemorySegment address(Arena arena, Path path, String call) throws LinuxException {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PATH_BYTES) {
            throw new LinuxException(call, Errno.ENAMETOOLONG, call + " " + path + ": a unix socket path holds at most "
                    + MAX_PATH_BYTES + " bytes, this one has " + bytes.length);
        }
        MemorySegment address = arena.allocate(SOCKADDR_UN_BYTES, 2);
        address.set(SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, address, BYTE, 2, bytes.length);
        return address;
    }

    /** sa_family, the path and its NUL (the segment is zero-filled). */
    private static int addressLength(MemorySegment address) {
        int n = 0;
        while (address.get(BYTE, 2 + n) != 0) n++;
        return 2 + n + 1;
    }

    private static long cmsgSpace(long dataBytes) {
        return CMSG_HEADER + ((dataBytes + 7) & ~7L);
    }

    /** One sendmsg of data[off..] (fds as SCM_RIGHTS), EINTR retried, SIGPIPE suppressed; the bytes sent. */
    private static long sendmsg(Arena arena, int fd, MemorySegment address, byte[] data, int off, int[] fds)
            throws LinuxException {
        if (fds.length > MAX_FDS_PER_MESSAGE) throw new IllegalArgumentException("more than 253 fds in one message");
        int length = data.length - off;
        MemorySegment buffer = arena.allocate(Math.max(length, 1));
        MemorySegment.copy(data, off, buffer, BYTE, 0, length);
        MemorySegment message = message(arena, buffer, length);
        if (!address.equals(MemorySegment.NULL)) {
            message.set(POINTER, 0, address);
            message.set(INT, 8, addressLength(address));
        }
        if (fds.length > 0) {
            long space = cmsgSpace(4L * fds.length);
            MemorySegment control = arena.allocate(space, 8);
            control.set(LONG, 0, CMSG_HEADER + 4L * fds.length);
            control.set(INT, 8, SOL_SOCKET);
            control.set(INT, 12, SCM_RIGHTS);
            for (int i = 0; i < fds.length; i++) control.set(INT, CMSG_HEADER + 4L * i, fds[i]);
            message.set(POINTER, 32, control);
            message.set(LONG, 40, space);
        }
        return Native.call("sendmsg", String.valueOf(fd), s -> (long) SENDMSG.invokeExact(s, fd, message, MSG_NOSIGNAL));
    }

    /** struct msghdr with one iovec over buffer; no name, no control yet. */
    private static MemorySegment message(Arena arena, MemorySegment buffer, long length) {
        MemorySegment iov = arena.allocate(16, 8);
        iov.set(POINTER, 0, buffer);
        iov.set(LONG, 8, length);
        MemorySegment message = arena.allocate(MSGHDR_BYTES, 8);
        message.set(POINTER, 16, iov);
        message.set(LONG, 24, 1);
        return message;
    }

    private record Received(byte[] data, int flags, int pid, int uid, int gid, int[] fds) {}

    /** One recvmsg, EINTR retried; null on EAGAIN. */
    private static Received recvmsg(Arena arena, int fd, int maxBytes, int flags) throws LinuxException {
        MemorySegment buffer = arena.allocate(Math.max(maxBytes, 1));
        MemorySegment message = message(arena, buffer, maxBytes);
        MemorySegment control = arena.allocate(CONTROL_BYTES, 8);
        message.set(POINTER, 32, control);
        message.set(LONG, 40, CONTROL_BYTES);
        long n;
        do {
            n = Native.raw(s -> (long) RECVMSG.invokeExact(s, fd, message, flags));
        } while (n == -Errno.EINTR);
        if (n == -Errno.EAGAIN) return null;
        if (n < 0) throw new LinuxException("recvmsg", String.valueOf(fd), (int) -n);

        int pid = -1, uid = -1, gid = -1;
        int[] fds = new int[0];
        long controlLength = message.get(LONG, 40);
        for (long off = 0; off + CMSG_HEADER <= controlLength; ) {
            long cmsgLength = control.get(LONG, off);
            if (cmsgLength < CMSG_HEADER || off + cmsgLength > controlLength) break;
            int level = control.get(INT, off + 8), type = control.get(INT, off + 12);
            long dataOff = off + CMSG_HEADER, dataLength = cmsgLength - CMSG_HEADER;
            if (level == SOL_SOCKET && type == SCM_RIGHTS) {
                int[] more = new int[(int) (dataLength / 4)];
                for (int i = 0; i < more.length; i++) more[i] = control.get(INT, dataOff + 4L * i);
                fds = concat(fds, more);
            } else if (level == SOL_SOCKET && type == SCM_CREDENTIALS && dataLength >= 12) {
                pid = control.get(INT, dataOff);
                uid = control.get(INT, dataOff + 4);
                gid = control.get(INT, dataOff + 8);
            }
            off += cmsgSpace(dataLength);
        }
        byte[] data = new byte[(int) n];
        MemorySegment.copy(buffer, BYTE, 0, data, 0, data.length);
        return new Received(data, message.get(INT, 48), pid, uid, gid, fds);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

}
