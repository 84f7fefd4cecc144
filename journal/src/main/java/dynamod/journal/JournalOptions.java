package dynamod.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * How a process opens a journal.
 *
 * @param directory the journal directory (host mode: {@code STATE/journal}; booted: {@code /var/lib/dynamod/journal})
 * @param origin which component this process is
 * @param pid this process's pid, recorded with every event it appends
 * @param bootId the boot every event of this process belongs to
 * @param clock where timestamps (and cycle boundaries) come from
 * @param cycle how much time one file covers
 * @param syncInterval the longest time an appended event stays only in the page cache
 * @param group a group that may read the journal; empty: only the owner (root on a booted system)
 * @param readOnly open for reading only (no appends, no retention)
 */
public record JournalOptions(
        Path directory,
        Origin origin,
        int pid,
        UUID bootId,
        JournalClock clock,
        CyclePeriod cycle,
        Duration syncInterval,
        Optional<String> group,
        Retention eventsRetention,
        Retention logsRetention,
        boolean readOnly) {

    public static JournalOptions defaults(Path directory, Origin origin) {
        return new JournalOptions(directory, origin, (int) ProcessHandle.current().pid(), currentBootId(), JournalClock.SYSTEM,
                CyclePeriod.DAILY, Duration.ofSeconds(1), Optional.empty(), Retention.EVENTS_DEFAULT, Retention.LOGS_DEFAULT, false);
    }

    public JournalOptions withClock(JournalClock clock) {
        return new JournalOptions(directory, origin, pid, bootId, clock, cycle, syncInterval, group, eventsRetention, logsRetention, readOnly);
    }

    public JournalOptions withBootId(UUID bootId) {
        return new JournalOptions(directory, origin, pid, bootId, clock, cycle, syncInterval, group, eventsRetention, logsRetention, readOnly);
    }

    public JournalOptions withCycle(CyclePeriod cycle) {
        return new JournalOptions(directory, origin, pid, bootId, clock, cycle, syncInterval, group, eventsRetention, logsRetention, readOnly);
    }

    public JournalOptions withSyncInterval(Duration syncInterval) {
        return new JournalOptions(directory, origin, pid, bootId, clock, cycle, syncInterval, group, eventsRetention, logsRetention, readOnly);
    }

    public JournalOptions withGroup(String group) {
        return new JournalOptions(directory, origin, pid, bootId, clock, cycle, syncInterval, Optional.of(group), eventsRetention, logsRetention, readOnly);
    }

    public JournalOptions withRetention(Retention events, Retention logs) {
        return new JournalOptions(directory, origin, pid, bootId, clock, cycle, syncInterval, group, events, logs, readOnly);
    }

    public JournalOptions readingOnly() {
        return new JournalOptions(directory, origin, pid, bootId, clock, cycle, syncInterval, group, eventsRetention, logsRetention, true);
    }

    public Retention retention(Stream stream) {
        return stream == Stream.EVENTS ? eventsRetention : logsRetention;
    }

    /**
     * The kernel's boot id ({@code /proc/sys/kernel/random/boot_id}, what journald calls _BOOT_ID); a random one
     * per process where the kernel does not have it.
     */
    public static UUID currentBootId() {
        try {
            return UUID.fromString(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip());
        } catch (IOException | IllegalArgumentException e) {
            return UUID.randomUUID();
        }
    }
}
