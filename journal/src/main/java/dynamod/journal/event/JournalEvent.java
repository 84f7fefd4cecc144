package dynamod.journal.event;

/** The journal's own facts. */
public sealed interface JournalEvent extends Event {

    /**
     * A reader found a damaged region of a queue and skipped it: the events between {@code afterSeq} (the last good
     * one, or -1) and {@code resumedSeq} (the next good one, or -1 at the end) are unreadable.
     */
    record JournalDamaged(String queue, String file, long afterSeq, long resumedSeq, long bytesSkipped, String reason)
            implements JournalEvent {}

    /** Retention deleted a whole cycle file. */
    record JournalPruned(String queue, String file, long bytes, String reason) implements JournalEvent {}
}
