package dynamod.svmgr.core;

import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.ServiceSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the shell must do because of a decision. Each effect follows the events that record why (they are appended
 * first), so a crash in between is visible on replay and reconciled.
 */
public sealed interface Effect {

    /** Start the service's process; its result comes back as ProcessSpawned or SpawnFailed. */
    record Spawn(String service, ServiceSpec spec, int attempt) implements Effect {}

    /** Send a signal to the process, or to its whole process group (cgroup, where there is one). */
    record Signal(String service, int pid, int signal, boolean group) implements Effect {}

    /** Run the service's stop-exec instead of sending the stop signal. */
    record RunStopCommand(String service, List<String> command) implements Effect {}

    /** Watch for readiness (tcp-port, exec, fd or notify); the result comes back as ReadinessObserved. */
    record StartProbe(String service, int pid, Readiness readiness) implements Effect {}

    record StopProbe(String service) implements Effect {}

    /** Find a forking service's main process: its pid-file, else the surviving child of {@code forkerPid}. */
    record FindMainPid(String service, Optional<Path> pidFile, int forkerPid) implements Effect {}

    /** Fire {@code timer} at {@code atNanos} (CLOCK_MONOTONIC); replaces a timer of the same id. */
    record StartTimer(TimerId timer, long atNanos) implements Effect {}

    record CancelTimer(TimerId timer) implements Effect {}

    /** Everything is down: the shell (init) may now power off, reboot, halt or exit. */
    record ShutdownComplete(String kind) implements Effect {}
}
