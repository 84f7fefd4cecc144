package dynamod.vmtest;

import java.time.Duration;
import java.util.List;

/**
 * How a boot ended.
 *
 * @param exitStatus QEMU's exit status (0 after the guest powered off or restarted; -1 if it never started)
 * @param timedOut whether the harness killed QEMU at the hard timeout
 * @param shutdown what the kernel said last, from the console
 * @param elapsed host time from QEMU's start to its exit
 * @param console every console line
 * @param qemuStderr what QEMU itself wrote (its errors)
 */
public record VmResult(int exitStatus, boolean timedOut, Shutdown shutdown, Duration elapsed, List<LineLog.Line> console,
        String qemuStderr) {

    /** The kernel's last words: QEMU exits with 0 after any of them (it runs with -no-reboot), so they tell them apart. */
    public enum Shutdown {
        /** "reboot: Power down": the guest powered off, as a finished boot does. */
        POWER_OFF,
        /** "reboot: Restarting system": the guest asked for a restart (the stubs do on failure). */
        RESTART,
        /** "Kernel panic - not syncing": e.g. PID 1 died. */
        PANIC,
        /** None of them: QEMU was killed or failed. */
        NONE;

        /** The shutdown the console shows; a panic wins over the restart that follows it. */
        static Shutdown of(List<LineLog.Line> console) {
            Shutdown seen = NONE;
            for (LineLog.Line line : console) {
                String text = line.text();
                if (text.contains("Kernel panic - not syncing")) return PANIC;
                if (text.contains("reboot: Power down")) seen = POWER_OFF;
                else if (text.contains("reboot: Restarting system")) seen = RESTART;
            }
            return seen;
        }
    }

    /** Whether the guest powered off by itself and QEMU exited 0. */
    public boolean poweredOff() {
        return !timedOut && exitStatus == 0 && shutdown == Shutdown.POWER_OFF;
    }

    /** A one-line account and the console's last lines, for assertion messages. */
    public String describe() {
        StringBuilder out = new StringBuilder(String.format("QEMU exited %d after %.1f s (%s%s)%s; console's last lines:%n",
                exitStatus, elapsed.toMillis() / 1000.0, shutdown, timedOut ? ", killed at the timeout" : "",
                qemuStderr.isEmpty() ? "" : "; QEMU said: " + qemuStderr));
        for (LineLog.Line line : console.subList(Math.max(0, console.size() - 25), console.size())) {
            out.append(line).append('\n');
        }
        return out.toString();
    }
}
