package dynamod.svmgr.core;

import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.ServiceState;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * What the manager knows of one service at run time, all of it derived from events. Immutable: a transition makes
 * a new one ({@link #with()}), so a forked state can share the unchanged ones.
 *
 * @param state where its state machine is
 * @param since when it entered that state (monotonic nanoseconds)
 * @param reason why, for humans
 * @param cause the service or supervisor that put it there, if another did (who blocks it)
 * @param wanted whether it should be up: false after a stop command, until a start
 * @param finished it ran and ended (done, failed, or exited and not restarted): it starts again only when told
 * @param restartPending a restart command or a changed configuration: stop it, then start it again
 * @param failure why a running service is being stopped as a failure (a readiness timeout), or null
 * @param stopSignalledAt when its stop began (signal sent or stop command run; its stop timer runs from then), 0: not yet
 * @param killed SIGKILL was sent
 * @param spawned the spawn helper reported the process of the current start (a forking daemon may still be looked for)
 * @param pid its main process, 0 while there is none (or the spawn is still in flight)
 * @param forkerPid a forking service's starting process, until it exits
 * @param attempt how many times it was spawned since its last start command or configuration load
 * @param lastExit how its last process ended
 * @param lastExitAt when it ended (monotonic nanoseconds), 0: no exit recorded
 * @param notBefore a scheduled restart waits until then (monotonic nanoseconds), 0: no wait
 * @param restartTimes when it was restarted, oldest first, within its start-limit window (monotonic nanoseconds)
 * @param groupHeld a group restart holds it: stopped, it waits for the whole group to stop
 * @param status the last STATUS= text
 * @param readied how and how soon its current start became ready, until the next start
 */
public record ServiceRuntime(
        ServiceState state,
        long since,
        String reason,
        Optional<String> cause,
        boolean wanted,
        boolean finished,
        boolean restartPending,
        String failure,
        long stopSignalledAt,
        boolean killed,
        boolean spawned,
        int pid,
        int forkerPid,
        int attempt,
        Optional<ExitStatus> lastExit,
        long lastExitAt,
        long notBefore,
        long[] restartTimes,
        boolean groupHeld,
        Optional<String> status,
        Optional<Ready> readied) {

    public static final long[] NO_TIMES = {};

    /** A start became ready: which detector said so, and how long after the start began. */
    public record Ready(String detector, long afterMicros) {}

    /** A service just loaded: not started, and wanted up. */
    public static ServiceRuntime initial(long now) {
        return new ServiceRuntime(ServiceState.INACTIVE, now, "loaded", Optional.empty(), true, false, false, null, 0, false,
                false, 0, 0, 0, Optional.empty(), 0, 0, NO_TIMES, false, Optional.empty(), Optional.empty());
    }

    /** States in which the service has a process, or is about to have one (a spawn in flight, a forking daemon being found). */
    public boolean hasProcess() {
        return hasProcess(state);
    }

    public static boolean hasProcess(ServiceState state) {
        return switch (state) {
            case STARTING, RUNNING, RELOADING, STOPPING -> true;
            case INACTIVE, WAITING, STOPPED, DONE, FAILED, BLOCKED -> false;
        };
    }

    /** Ready: the services that require it may run. */
    public boolean ready() {
        return state == ServiceState.RUNNING || state == ServiceState.RELOADING || state == ServiceState.DONE;
    }

    public Builder with() {
        return new Builder(this);
    }

    /** Records compare arrays by identity; state equality (replay determinism) needs their contents. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ServiceRuntime r && state == r.state && since == r.since && reason.equals(r.reason)
                && cause.equals(r.cause) && wanted == r.wanted && finished == r.finished && restartPending == r.restartPending
                && Objects.equals(failure, r.failure) && stopSignalledAt == r.stopSignalledAt && killed == r.killed && spawned == r.spawned && pid == r.pid
                && forkerPid == r.forkerPid && attempt == r.attempt && lastExit.equals(r.lastExit) && lastExitAt == r.lastExitAt
                && notBefore == r.notBefore && Arrays.equals(restartTimes, r.restartTimes) && groupHeld == r.groupHeld && status.equals(r.status)
                && readied.equals(r.readied);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, since, reason, cause, wanted, finished, pid, attempt, notBefore, Arrays.hashCode(restartTimes));
    }

    @Override
    public String toString() {
        return state + (cause.map(c -> " by " + c).orElse("")) + " (" + reason + ")" + (pid != 0 ? " pid " + pid : "")
                + (wanted ? "" : " unwanted") + (finished ? " finished" : "") + (restartPending ? " restart-pending" : "")
                + (failure != null ? " failing: " + failure : "") + (groupHeld ? " group-held" : "")
                + (notBefore != 0 ? " not-before " + notBefore : "") + " restarts " + Arrays.toString(restartTimes);
    }

    /** A copy with some fields changed. */
    public static final class Builder {
        private ServiceState state;
        private long since;
        private String reason;
        private Optional<String> cause;
        private boolean wanted;
        private boolean finished;
        private boolean restartPending;
        private String failure;
        private long stopSignalledAt;
        private boolean killed;
        private boolean spawned;
        private int pid;
        private int forkerPid;
        private int attempt;
        private Optional<ExitStatus> lastExit;
        private long lastExitAt;
        private long notBefore;
        private long[] restartTimes;
        private boolean groupHeld;
        private Optional<String> status;
        private Optional<Ready> readied;

        private Builder(ServiceRuntime r) {
            state = r.state;
            since = r.since;
            reason = r.reason;
            cause = r.cause;
            wanted = r.wanted;
            finished = r.finished;
            restartPending = r.restartPending;
            failure = r.failure;
            stopSignalledAt = r.stopSignalledAt;
            killed = r.killed;
            spawned = r.spawned;
            pid = r.pid;
            forkerPid = r.forkerPid;
            attempt = r.attempt;
            lastExit = r.lastExit;
            lastExitAt = r.lastExitAt;
            notBefore = r.notBefore;
            restartTimes = r.restartTimes;
            groupHeld = r.groupHeld;
            status = r.status;
            readied = r.readied;
        }

        public Builder state(ServiceState value, long at, String why, Optional<String> by) {
            state = value;
            since = at;
            reason = why;
            cause = by;
            return this;
        }

        public Builder wanted(boolean value) {
            wanted = value;
            return this;
        }

        public Builder finished(boolean value) {
            finished = value;
            return this;
        }

        public Builder restartPending(boolean value) {
            restartPending = value;
            return this;
        }

        public Builder failure(String value) {
            failure = value;
            return this;
        }

        public Builder stopSignalledAt(long value) {
            stopSignalledAt = value;
            return this;
        }

        public Builder killed(boolean value) {
            killed = value;
            return this;
        }

        public Builder spawned(boolean value) {
            spawned = value;
            return this;
        }

        public Builder pid(int value) {
            pid = value;
            return this;
        }

        public Builder forkerPid(int value) {
            forkerPid = value;
            return this;
        }

        public Builder attempt(int value) {
            attempt = value;
            return this;
        }

        public Builder lastExit(Optional<ExitStatus> value) {
            lastExit = value;
            if (value.isEmpty()) lastExitAt = 0;
            return this;
        }

        /** How its last process ended, and when (monotonic nanoseconds). */
        public Builder lastExit(ExitStatus value, long at) {
            lastExit = Optional.of(value);
            lastExitAt = at;
            return this;
        }

        public Builder readied(Optional<Ready> value) {
            readied = value;
            return this;
        }

        public Builder notBefore(long value) {
            notBefore = value;
            return this;
        }

        public Builder restartTimes(long[] value) {
            restartTimes = value;
            return this;
        }

        public Builder groupHeld(boolean value) {
            groupHeld = value;
            return this;
        }

        public Builder status(Optional<String> value) {
            status = value;
            return this;
        }

        public ServiceRuntime build() {
            return new ServiceRuntime(state, since, reason, cause, wanted, finished, restartPending, failure, stopSignalledAt, killed,
                    spawned, pid, forkerPid, attempt, lastExit, lastExitAt, notBefore, restartTimes, groupHeld, status, readied);
        }
    }
}
