package dynamod.svmgr.runtime;

import dynamod.svmgr.core.Notification;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The sd_notify wire format: newline-separated {@code KEY=VALUE} assignments in one datagram. Unknown keys are
 * ignored (as systemd does); {@code BARRIER=1} needs no action here beyond closing its fd, which the listener does.
 */
final class NotifyMessages {

    private NotifyMessages() {}

    static Notification parse(byte[] data) {
        boolean ready = false, reloading = false, stopping = false, watchdog = false;
        Optional<String> status = Optional.empty();
        OptionalInt mainPid = OptionalInt.empty(), errno = OptionalInt.empty();
        for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) continue;
            String key = line.substring(0, eq), value = line.substring(eq + 1);
            switch (key) {
                case "READY" -> ready |= value.equals("1");
                case "RELOADING" -> reloading |= value.equals("1");
                case "STOPPING" -> stopping |= value.equals("1");
                case "WATCHDOG" -> watchdog |= value.equals("1");
                case "STATUS" -> status = Optional.of(value);
                case "MAINPID" -> mainPid = positive(value);
                case "ERRNO" -> errno = nonNegative(value);
                default -> {}
            }
        }
        return new Notification(ready, reloading, stopping, watchdog, status, mainPid, errno);
    }

    private static OptionalInt positive(String v) {
        OptionalInt n = nonNegative(v);
        return n.isPresent() && n.getAsInt() > 0 ? n : OptionalInt.empty();
    }

    private static OptionalInt nonNegative(String v) {
        try {
            int n = Integer.parseInt(v.strip());
            return n >= 0 ? OptionalInt.of(n) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    static boolean isEmpty(Notification n) {
        return !n.ready() && !n.reloading() && !n.stopping() && !n.watchdog() && n.status().isEmpty()
                && n.mainPid().isEmpty() && n.errno().isEmpty();
    }
}
