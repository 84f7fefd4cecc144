package dynamod.journal;

import dynamod.journal.event.Event;
import dynamod.journal.event.LogEvent;

/**
 * The two queues of a journal. Events (transitions, decisions, commands) are small and replayed by the manager;
 * log lines are many and indexed by logd. Apart, a log flood never slows the manager's replay; they share one
 * clock and boot id, so a history can merge them.
 */
public enum Stream {
    EVENTS("events"), LOGS("logs");

    private final String directory;

    Stream(String directory) {
        this.directory = directory;
    }

    public String directory() {
        return directory;
    }

    public static Stream of(Event event) {
        return event instanceof LogEvent ? LOGS : EVENTS;
    }
}
