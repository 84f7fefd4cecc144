package dynamod.ctl.diag;

import dynamod.journal.Recorded;
import dynamod.svmgr.core.Core;
import dynamod.svmgr.core.State;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The manager's state at a moment, rebuilt as svmgr rebuilds it: this boot's events applied in order at their
 * recorded monotonic times ({@link Core#apply}); the configuration comes with them (ConfigurationLoaded carries
 * its files), so the state is exactly the manager's.
 *
 * @param state the state after the last event at or before the moment
 * @param events the events applied, oldest first
 * @param nowMono the moment on the monotonic clock (see {@link #clockOffset})
 * @param nowRealMillis the moment on the wall clock
 */
public record PastState(State state, List<Recorded> events, long nowMono, long nowRealMillis) {

    /** The state at {@code at}; empty {@code at}: as of the boot's last event. */
    public static PastState of(BootEvents boot, Optional<Instant> at) {
        List<Recorded> all = boot.events();
        int end = all.size();
        if (at.isPresent()) {
            long limit = nanos(at.get());
            end = 0;
            while (end < all.size() && all.get(end).realtimeNanos() <= limit) end++;
        }
        List<Recorded> applied = all.subList(0, end);
        State state = new State();
        for (Recorded r : applied) Core.apply(state, r.event(), r.monotonicNanos());
        long nowReal;
        long nowMono;
        if (applied.isEmpty()) {
            nowReal = at.map(PastState::nanos).orElse(nanos(boot.boot().first()));
            nowMono = 1;
        } else {
            nowReal = at.map(PastState::nanos).orElse(applied.getLast().realtimeNanos());
            nowMono = nowReal - clockOffset(applied);
        }
        return new PastState(state, applied, nowMono, Math.floorDiv(nowReal, 1_000_000L));
    }

    /**
     * Wall clock minus monotonic clock, as the manager's clocks stood. An event's monotonic time is when it was decided,
     * its wall-clock time when it was appended, a little later: the smallest difference among the recent events is
     * the closest to the clocks' own (recent ones only, so that a wall-clock step before them does not count).
     */
    static long clockOffset(List<Recorded> events) {
        long offset = Long.MAX_VALUE;
        for (int i = Math.max(0, events.size() - 256); i < events.size(); i++) {
            offset = Math.min(offset, events.get(i).realtimeNanos() - events.get(i).monotonicNanos());
        }
        return offset;
    }

    public Instant moment() {
        return Instant.ofEpochMilli(nowRealMillis);
    }

    /** The wall-clock time of a monotonic time of this boot, by the same arithmetic the control views use. */
    public Instant realtimeOf(long mono) {
        return Instant.ofEpochMilli(nowRealMillis - (nowMono - mono) / 1_000_000);
    }

    public Optional<Recorded> lastEvent() {
        return events.isEmpty() ? Optional.empty() : Optional.of(events.getLast());
    }

    static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
