package dynamod.journal.event;

/** Decisions of the supervision tree, with Erlang/OTP's meanings. */
public sealed interface SupervisorEvent extends Event {

    String supervisor();

    /** A child is restarted after {@code delayMillis}; attempt counts the consecutive restarts. */
    record RestartScheduled(String supervisor, String child, long delayMillis, int attempt, String reason)
            implements SupervisorEvent {}

    /**
     * A strategy restarts a group of children together: one-for-all (all of them) or rest-for-one (the failed one and
     * those after it). {@code services} are every service below them, {@code supervisors} the child supervisors among them.
     * They are stopped, and start again once none of them has a process left.
     */
    record GroupRestarting(String supervisor, String trigger, String strategy, java.util.List<String> services,
            java.util.List<String> supervisors) implements SupervisorEvent {}

    /** Every member of a group restart has stopped: they start again (those whose policy restarts them). */
    record GroupStopped(String supervisor, java.util.List<String> members) implements SupervisorEvent {}

    /** More restarts than the intensity allows happened within the window. */
    record IntensityExceeded(String supervisor, int restarts, int maxRestarts, long windowMillis) implements SupervisorEvent {}

    /** The supervisor stopped its children and failed to its parent. */
    record Escalated(String supervisor, String parent) implements SupervisorEvent {}

    /** The supervisor and its children were restarted by its parent. */
    record SupervisorRestarted(String supervisor, String strategy) implements SupervisorEvent {}

    /** The root gave up; {@code policy} says what the manager does instead of dying. */
    record GaveUp(String supervisor, String policy) implements SupervisorEvent {}
}
