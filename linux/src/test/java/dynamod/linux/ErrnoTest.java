package dynamod.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ErrnoTest {

    @Test
    void namesAndDescriptions() {
        assertEquals("ENOENT", Errno.name(2));
        assertEquals("EACCES", Errno.name(Errno.EACCES));
        assertEquals("ECONNREFUSED", Errno.name(111));
        assertEquals("E4000", Errno.name(4000));
        assertEquals("No such file or directory", Errno.describe(Errno.ENOENT));
    }

    @Test
    void exceptionNamesTheCallAndTheError() {
        LinuxException e = assertThrows(LinuxException.class, () -> Posix.open("/nonexistent/x", Posix.O_RDONLY, 0));
        assertEquals("open /nonexistent/x: No such file or directory (ENOENT)", e.getMessage());
        assertEquals("open", e.call());
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("ENOENT", e.errnoName());
    }

    @Test
    void signalNames() {
        assertEquals("SIGTERM", Signals.name(15));
        assertEquals("SIGKILL", Signals.name(Signals.SIGKILL));
        assertEquals("SIGRTMIN", Signals.name(34));
        assertEquals("SIGRTMIN+3", Signals.name(37));
        assertEquals("SIGRTMAX", Signals.name(64));
        assertEquals("SIG32", Signals.name(32));
    }
}
