package dynamod.linux;

import java.io.IOException;

/** A failed system call: {@code open /x: No such file or directory (ENOENT)}. */
public class LinuxException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /** {@code subject} (a path, an fd, a pid) goes after the call's name in the message; null for none. */
    public LinuxException(String call, String subject, int errno) {
        this(call, errno, (subject == null ? call : call + " " + subject) + ": " + Errno.describe(errno));
    }

    public LinuxException(String call, int errno) {
        this(call, null, errno);
    }

    /** With a message of the caller's (the errno name is appended). */
    public LinuxException(String call, int errno, String message) {
        super(message + " (" + Errno.name(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The call that failed: {@code "open"}. */
    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** {@code "ENOENT"}. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
