package dynamod.svmgr.core;

import java.util.Optional;
import java.util.OptionalInt;

/** One sd_notify datagram, parsed: the fields the manager acts on. */
public record Notification(boolean ready, boolean reloading, boolean stopping, boolean watchdog, Optional<String> status,
        OptionalInt mainPid, OptionalInt errno) {

    public static Notification ofReady() {
        return new Notification(true, false, false, false, Optional.empty(), OptionalInt.empty(), OptionalInt.empty());
    }
}
