package dynamod.ctl.boot;

import dynamod.journal.event.ServiceState;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One service during one boot, as the journal tells it. Every time is in nanoseconds since the boot's start (the
 * manager's {@code BootStarted}, else the boot's first event), on the boot's monotonic clock.
 *
 * @param startableAt when it was first asked to start: it left {@code INACTIVE} (for waiting, starting or blocked)
 * @param firstStartAt its first {@code STARTING}: everything it was ordered after allowed it
 * @param readyAt the first time it was ready ({@code RUNNING}, or {@code DONE} for a oneshot)
 * @param detector what saw it ready: notify, tcp-port, exec, fd, exit, spawn
 * @param predecessors what it is ordered after, as the configuration loaded when it started said
 * @param waitedFor of those, the one that released it last before its first start
 * @param releasedAt when it stopped holding back what is ordered after it: ready, or settled without being ready
 * @param attempts each start, in order
 * @param phases what it went through, back to back, up to the end of the analysed window
 * @param incidents failures, restarts, blocks
 * @param state its state at the end of the window, with the manager's reason and cause
 */
public record ServiceTimeline(
        String name,
        long startableAt,
        OptionalLong firstStartAt,
        OptionalLong readyAt,
        Optional<String> detector,
        List<Predecessor> predecessors,
        Optional<Wait> waitedFor,
        OptionalLong releasedAt,
        List<Attempt> attempts,
        List<Phase> phases,
        List<Incident> incidents,
        ServiceState state,
        String reason,
        Optional<String> cause) {

    public ServiceTimeline {
        predecessors = List.copyOf(predecessors);
        attempts = List.copyOf(attempts);
        phases = List.copyOf(phases);
        incidents = List.copyOf(incidents);
    }

    /** How a service is ordered after another. */
    public enum Relation {
        /** It starts only once the other is ready, and never without it. */
        REQUIRES,
        /** Ordering, if the other is there. */
        WANTS,
        /** Ordering only ({@code after}, or the other's {@code before}). */
        AFTER;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public record Predecessor(String name, Relation relation) {}

    /** The predecessor that came last: when it released this service, and whether by being ready. */
    public record Wait(String dependency, Relation relation, long releasedAt, boolean ready) {}

    /** One start: from {@code STARTING} to its outcome ({@code endedAt} empty while it is pending). */
    public record Attempt(int number, long startedAt, OptionalLong spawnedAt, OptionalLong endedAt, Outcome outcome, String detail) {}

    public enum Outcome { READY, EXITED, SPAWN_FAILED, TIMED_OUT, STOPPED, PENDING }

    /** What a service was doing from {@code from} to {@code to}. */
    public record Phase(Kind kind, long from, long to) {
        public enum Kind {
            /** Waiting for what it is ordered after (or a start slot, its supervisor). */
            WAITING,
            /** Waiting out the restart delay after a failed attempt. */
            RESTART_DELAY,
            /** Spawned (or being spawned), not ready yet. */
            STARTING,
            /** Ready (running, reloading) or, for a oneshot, done. */
            READY,
            /** Going down: a failed start, a restart, a stop. */
            STOPPING,
            /** Down: failed, blocked, stopped or inactive. */
            DOWN
        }

        public long duration() {
            return to - from;
        }
    }

    public record Incident(long at, Kind kind, String text) {
        public enum Kind { EXITED, SPAWN_FAILED, READINESS_TIMED_OUT, RESTART_SCHEDULED, GROUP_RESTART, FAILED, BLOCKED }
    }

    public boolean ready() {
        return readyAt.isPresent();
    }

    /** How long it took itself: from its first start to ready (restarts and their delays included). */
    public OptionalLong startup() {
        return readyAt.isPresent() && firstStartAt.isPresent() ? OptionalLong.of(readyAt.getAsLong() - firstStartAt.getAsLong())
                : OptionalLong.empty();
    }

    /** When everything it was ordered after had released it: the last one's release, or when it became startable. */
    public long dependenciesSatisfiedAt() {
        return waitedFor.map(w -> Math.max(w.releasedAt(), startableAt)).orElse(startableAt);
    }

    /** Attempts that did not make it ready. */
    public long failedAttempts() {
        return attempts.stream().filter(a -> a.outcome() != Outcome.READY && a.outcome() != Outcome.PENDING).count();
    }

    /** Still waiting, starting or stopping at the end of the window: the boot is not finished because of it. */
    public boolean pending() {
        return switch (state) {
            case WAITING, STARTING, STOPPING -> true;
            case INACTIVE, RUNNING, RELOADING, STOPPED, DONE, FAILED, BLOCKED -> false;
        };
    }
}
