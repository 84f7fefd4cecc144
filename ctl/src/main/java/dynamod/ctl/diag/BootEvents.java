package dynamod.ctl.diag;

import dynamod.journal.Boot;
import dynamod.journal.JournalListener;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.logd.query.JournalLogs;
import dynamod.logd.query.LogQuery.BootSpec;
import dynamod.logd.query.QueryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The events of one boot, in seq order: what history, state at a past moment, why and the offline views are
 * computed from. svmgr writes no snapshots (it replays the boot from its start too), so neither does this.
 */
public record BootEvents(Boot boot, List<Recorded> events) {

    public BootEvents {
        events = List.copyOf(events);
    }

    /** The events of the boot {@code spec} names (the current, last one by default) in a journal directory. */
    public static BootEvents read(Path journalDirectory, BootSpec spec) throws IOException {
        try (JournalLogs journal = open(journalDirectory)) {
            Boot boot = journal.resolve(spec);
            List<Recorded> events = new ArrayList<>();
            try (JournalReader reader = reader(journal, boot)) {
                for (Optional<Recorded> next = reader.next(); next.isPresent(); next = reader.next()) {
                    if (next.get().bootId().equals(boot.id())) events.add(next.get());
                    else if (!events.isEmpty()) break; // a boot's events are contiguous: the next boot began
                }
            }
            return new BootEvents(boot, events);
        }
    }

    /** A journal directory opened read-only; one without events is a {@link QueryException} saying so. */
    public static JournalLogs open(Path journalDirectory) throws IOException {
        JournalLogs journal = JournalLogs.open(journalDirectory);
        if (!Files.isDirectory(journalDirectory.resolve(Stream.EVENTS.directory()))) {
            journal.close();
            throw new QueryException(journalDirectory + " has no events (no " + Stream.EVENTS.directory() + "/): no manager wrote to it yet");
        }
        return journal;
    }

    /** A reader of the events stream positioned at the boot's first event. */
    public static JournalReader reader(JournalLogs journal, Boot boot) {
        JournalReader reader = journal.journal().reader(Stream.EVENTS, JournalListener.STDERR);
        if (!reader.seek(boot)) reader.toEnd();
        return reader;
    }

    public Optional<Recorded> last() {
        return events.isEmpty() ? Optional.empty() : Optional.of(events.getLast());
    }
}
