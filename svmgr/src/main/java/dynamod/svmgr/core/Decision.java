package dynamod.svmgr.core;

import dynamod.journal.event.Event;
import java.util.List;

/**
 * What one input decided: the events to append (in order), then the effects to run (in order), and the state
 * after the events, a fork of the state decided on: once the events are in the journal, {@code state.commit(after)}
 * adopts it (or apply the events one by one; the result is the same).
 */
public record Decision(List<Event> events, List<Effect> effects, State after) {

    public Decision {
        events = List.copyOf(events);
        effects = List.copyOf(effects);
    }

    public boolean isEmpty() {
        return events.isEmpty() && effects.isEmpty();
    }
}
