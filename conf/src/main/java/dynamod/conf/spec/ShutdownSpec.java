package dynamod.conf.spec;

import dynamod.conf.value.Signal;
import java.time.Duration;
import java.util.List;

/**
 * How a service is stopped: stopExec (if given) runs instead of sending stopSignal; after stopTimeout the
 * whole process group is killed with SIGKILL.
 */
public record ShutdownSpec(Signal stopSignal, Duration stopTimeout, List<String> stopExec) {

    public ShutdownSpec {
        stopExec = List.copyOf(stopExec);
    }
}
