package dynamod.svmgr.runtime;

import dynamod.linux.Posix;
import dynamod.linux.ProcStat;
import dynamod.linux.LinuxException;
import dynamod.linux.UnixSockets;
import dynamod.svmgr.core.Input;
import dynamod.svmgr.core.Notification;
import dynamod.svmgr.core.ServiceRuntime;
import dynamod.svmgr.core.State;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The sd_notify socket ({@code $NOTIFY_SOCKET}): a datagram socket with SO_PASSCRED, so the kernel tells who sent
 * each message. A message counts for a service when it comes from its main process or a descendant of it (a script's
 * {@code systemd-notify}); any other sender is refused and the refusal logged. Fds that come along ({@code BARRIER=1},
 * {@code FDSTORE=1}) are closed at once — a barrier's sender waits for exactly that.
 */
final class NotifyListener {

    private static final int MAX_DATAGRAM = 4096, MAX_ANCESTRY = 16;

    private final int fd;
    private final Manager manager;
    private long refused;

    NotifyListener(int fd, Manager manager) {
        this.fd = fd;
        this.manager = manager;
    }

    void start() {
        Thread t = new Thread(this::listen, "notify");
        t.setDaemon(true);
        t.start();
    }

    private void listen() {
        while (true) {
            try {
                UnixSockets.Datagram d = UnixSockets.receive(fd, MAX_DATAGRAM, true);
                if (d == null) continue;
                Notification n = NotifyMessages.parse(d.data());
                // Who sent it is read now, while the sender still runs: by the time the loop handles it, a script's
                // systemd-notify (which returns once its barrier's fd is closed) and the script itself may be gone.
                int[] ancestry = NotifyMessages.isEmpty(n) ? new int[0] : ancestry(d.pid());
                for (int f : d.fds()) Posix.closeQuietly(f);
                if (NotifyMessages.isEmpty(n)) continue;
                manager.post(() -> deliver(ancestry, n));
            } catch (LinuxException e) {
                Manager.say("notify socket: " + e.getMessage());
            } catch (Throwable t) {
                Manager.say("notify socket: " + t);
            }
        }
    }

    /** On the loop thread: attribute the sender, then hand the message to the core. */
    private void deliver(int[] ancestry, Notification n) {
        State state = manager.state();
        OptionalInt main = mainProcessFor(state, ancestry);
        if (main.isEmpty()) {
            if (refused++ < 100) {
                Manager.say("sd_notify message from pid " + (ancestry.length > 0 ? ancestry[0] : 0) + " refused: not a process of any service");
            }
            return;
        }
        manager.process(new Input.Notified(main.getAsInt(), n));
    }

    /** The sender and its ancestors, nearest first (at most {@link #MAX_ANCESTRY}, never pid 1). */
    static int[] ancestry(int pid) {
        int[] chain = new int[MAX_ANCESTRY];
        int n = 0;
        for (int p = pid; p > 1 && n < MAX_ANCESTRY; ) {
            chain[n++] = p;
            OptionalInt parent = ProcStat.parentPid(p);
            if (parent.isEmpty()) break;
            p = parent.getAsInt();
        }
        return java.util.Arrays.copyOf(chain, n);
    }

    /** The main pid of the service the sender belongs to: itself, or its nearest ancestor that is a main process. */
    static OptionalInt mainProcessFor(State state, int[] ancestry) {
        for (int depth = 0; depth < ancestry.length; depth++) {
            int p = ancestry[depth];
            Optional<String> service = state.serviceOfPid(p);
            if (service.isPresent()) {
                Optional<ServiceRuntime> r = state.runtimeOf(service.get());
                if (r.isPresent() && r.get().pid() == p) return OptionalInt.of(p);
                return depth == 0 ? OptionalInt.of(p) : OptionalInt.empty(); // a starter process speaks for itself only
            }
        }
        return OptionalInt.empty();
    }
}
