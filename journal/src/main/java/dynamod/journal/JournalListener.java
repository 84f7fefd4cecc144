package dynamod.journal;

import dynamod.journal.event.JournalEvent.JournalDamaged;

/** What a reader tells about the journal while it reads: damage it skipped, events it cannot decode. */
public interface JournalListener {

    /** A damaged region was skipped; called once per region per reader. */
    void damaged(JournalDamaged damage);

    /** An event of a type or version this reader does not know was skipped; called once per type per reader. */
    void unknownType(Stream stream, long seq, int typeId, int version);

    /** Says both on stderr: the right thing for a command-line tool. */
    JournalListener STDERR = new JournalListener() {
        @Override
        public void damaged(JournalDamaged damage) {
            System.err.println("journal: skipped a damaged region of " + damage.queue() + " (" + damage.file() + ", after event "
                    + damage.afterSeq() + ", " + damage.bytesSkipped() + " bytes): " + damage.reason());
        }

        @Override
        public void unknownType(Stream stream, long seq, int typeId, int version) {
            System.err.println("journal: skipped events of unknown type " + typeId + " version " + version + " in " + stream.directory()
                    + " (first at " + seq + "); a newer dynamod wrote them");
        }
    };
}
