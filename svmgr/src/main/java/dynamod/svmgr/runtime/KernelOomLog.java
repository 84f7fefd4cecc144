package dynamod.svmgr.runtime;

import dynamod.journal.event.ServiceEvent.OomVictim;
import dynamod.linux.Errno;
import dynamod.linux.KmsgRecord;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's log, read by svmgr for the OOM killer's reports only ({@link OomReports}; logd journals the log). An
 * open of {@code /dev/kmsg} has a read position of its own, so this one does not move logd's; it starts at the end
 * (the records before svmgr started are not its business) and is read only when a group's memory.events counted
 * new kills, up to what is there. Without the device (a container, no root) it names nothing and says why once.
 * Used on the manager's loop thread only.
 */
final class KernelOomLog {

    static final Path DEVICE = Path.of("/dev/kmsg");

    /** Records read at one time at most: what a kernel buffer of a few MiB holds; the rest waits for the next kill. */
    private static final int MAX_READS = 100_000;

    private final Path device;
    private int fd;
    private String unavailable;
    private final byte[] buffer = new byte[KmsgRecord.READ_BUFFER];
    private final OomReports reports = new OomReports();

    private KernelOomLog(Path device, int fd, String unavailable) {
        this.device = device;
        this.fd = fd;
        this.unavailable = unavailable;
    }

    /** Opens {@code device} at its end; never fails: without it the log names no victim and says why. */
    static KernelOomLog open(Path device) {
        int fd = -1;
        try {
            fd = Posix.open(device.toString(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
            Posix.lseek(fd, 0, Posix.SEEK_END);
            return new KernelOomLog(device, fd, null);
        } catch (LinuxException e) {
            Posix.closeQuietly(fd);
            return new KernelOomLog(device, -1, e.getMessage());
        }
    }

    /** Why OOM victims are counted but not named, if they are not. */
    Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    /**
     * The victims the kernel reported for {@code cgroup} (its path from the hierarchy's root) and the groups under it
     * since they were last asked for: the log read up to now first, keeping the reports of other groups for them.
     */
    List<OomVictim> victims(String cgroup) {
        read();
        return reports.take(cgroup);
    }

    /** The group is gone: reports still waiting for it are dropped. */
    void forget(String cgroup) {
        reports.forget(cgroup);
    }

    private void read() {
        for (int i = 0; fd >= 0 && i < MAX_READS; i++) {
            int n;
            try {
                n = Posix.read(fd, buffer, 0, buffer.length);
            } catch (LinuxException e) {
                if (e.errno() == Errno.EPIPE) continue; // records overwritten before this read: the next one gives the oldest left
                unavailable = "reading " + device + ": " + e.getMessage();
                Manager.say("cgroups: OOM kills are counted, no longer named: " + unavailable);
                Posix.closeQuietly(fd);
                fd = -1;
                return;
            }
            if (n <= 0) return; // -1: nothing more now (EAGAIN); 0: not a kmsg device
            try {
                OomReports.parse(KmsgRecord.parse(buffer, n)).ifPresent(reports::add);
            } catch (KmsgRecord.Malformed e) {
                // not a record: nothing of the OOM killer's
            }
        }
    }
}
