package dynamod.svmgr.core;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the manager knows of one supervisor at run time, derived from events.
 *
 * @param status whether it supervises, is escalating to its parent, or (root only) gave up
 * @param since when it entered that status (monotonic nanoseconds)
 * @param restartTimes when it restarted a child, oldest first, within its intensity window
 * @param groupServices the services a group restart (one-for-all, rest-for-one) holds until all have stopped; empty: none
 * @param groupSupervisors the child supervisors that group restart restarts
 */
public record SupervisorRuntime(Status status, long since, long[] restartTimes, List<String> groupServices,
        List<String> groupSupervisors) {

    public enum Status {
        /** Supervising its children. */
        ACTIVE,
        /** Exceeded its intensity: its children are stopping, then its parent decides. */
        ESCALATING,
        /** The root exceeded its intensity; its give-up policy decides what happens. */
        GAVE_UP
    }

    public SupervisorRuntime {
        groupServices = List.copyOf(groupServices);
        groupSupervisors = List.copyOf(groupSupervisors);
    }

    public static SupervisorRuntime initial(long now) {
        return new SupervisorRuntime(Status.ACTIVE, now, ServiceRuntime.NO_TIMES, List.of(), List.of());
    }

    public boolean groupRestarting() {
        return !groupServices.isEmpty() || !groupSupervisors.isEmpty();
    }

    public SupervisorRuntime withStatus(Status value, long at) {
        return new SupervisorRuntime(value, at, restartTimes, groupServices, groupSupervisors);
    }

    public SupervisorRuntime withRestartTimes(long[] value) {
        return new SupervisorRuntime(status, since, value, groupServices, groupSupervisors);
    }

    public SupervisorRuntime withGroup(List<String> services, List<String> supervisors) {
        return new SupervisorRuntime(status, since, restartTimes, services, supervisors);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SupervisorRuntime r && status == r.status && since == r.since && Arrays.equals(restartTimes, r.restartTimes)
                && groupServices.equals(r.groupServices) && groupSupervisors.equals(r.groupSupervisors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, since, Arrays.hashCode(restartTimes), groupServices, groupSupervisors);
    }

    @Override
    public String toString() {
        return status + " restarts " + Arrays.toString(restartTimes) + (groupRestarting() ? " group " + groupServices + groupSupervisors : "");
    }
}
