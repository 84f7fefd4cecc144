package dynamod.journal.snapshot;

import dynamod.journal.Recorded;

/** Reduces events to state: pure, so that replaying the same events always yields the same state. */
public interface Reducer<S> {

    S initial();

    S apply(S state, Recorded event);
}
